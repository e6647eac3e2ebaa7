// The app, the functions and the relay take the longest call from core; the database holds its own copy in its
// constraints. They must agree, or a call the app offers would be refused (or one nobody offers accepted).
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_CALL_SECONDS } from '../../../core/src/pricing.ts';
import { stack } from '../testing/stack_env.ts';

const db = new pg.Pool({ connectionString: stack.dbUrl, max: 1 });
afterAll(() => db.end());

describe('the maximum call length', () => {
  it('is the same in core and in the database', async () => {
    const { rows } = await db.query<{ s: number }>('select private.max_call_seconds() as s');
    expect(rows[0]!.s).toBe(MAX_CALL_SECONDS);
  });
});
