// The value lists TypeScript uses are the database's enum types, and the status sets core names agree with the SQL
// functions constraints, policies and indexes use. A list changed on one side only fails here.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ACTIVE_CALL_STATUSES,
  CALL_END_REASONS,
  CALL_STATUSES,
  SCHEDULED_CALL_STATUSES,
  TERMINAL_CALL_STATUSES,
  callStatusRank
} from '../../../core/src/call_status.ts';
import { SERVICES } from '../../../core/src/pricing.ts';
import { Constants } from '../../../core/src/database.types.ts';
import { stack } from '../testing/stack_env.ts';

const db = new pg.Pool({ connectionString: stack.dbUrl, max: 1 });
afterAll(() => db.end());

async function enumValues(type: string): Promise<string[]> {
  const r = await db.query<{ v: string }>(`select unnest(enum_range(null::${type}))::text as v`);
  return r.rows.map((row) => row.v);
}

describe('reference types', () => {
  it('each core list is the enum in the database, in its order', async () => {
    expect(await enumValues('public.call_status')).toEqual([...CALL_STATUSES]);
    expect(await enumValues('public.call_end_reason')).toEqual([...CALL_END_REASONS]);
    expect(await enumValues('public.scheduled_call_status')).toEqual([...SCHEDULED_CALL_STATUSES]);
    expect(await enumValues('public.service')).toEqual([...SERVICES]);
    expect(await enumValues('public.rate_unit')).toEqual([...Constants.public.Enums.rate_unit]);
  });

  it('terminal, active and rank agree with the SQL status functions', async () => {
    const r = await db.query<{ status: string; terminal: boolean; active: boolean; rank: number }>(
      `select s::text as status, private.call_status_is_terminal(s) as terminal, private.call_status_is_active(s) as active,
              private.call_status_rank(s) as rank
         from unnest(enum_range(null::public.call_status)) s`);
    expect(r.rows.filter((row) => row.terminal).map((row) => row.status)).toEqual([...TERMINAL_CALL_STATUSES]);
    expect(r.rows.filter((row) => row.active).map((row) => row.status)).toEqual([...ACTIVE_CALL_STATUSES]);
    for (const row of r.rows) expect([row.status, callStatusRank(row.status as (typeof CALL_STATUSES)[number])]).toEqual([row.status, row.rank]);
  });
});
