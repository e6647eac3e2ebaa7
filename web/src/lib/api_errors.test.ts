import { describe, expect, it } from 'vitest';
import { databaseFailure, errorSentence, functionFailure, invokeFunction } from './api_errors.ts';

const httpError = (status: number, body: unknown) => ({
  name: 'FunctionsHttpError',
  context: new Response(typeof body === 'string' ? body : JSON.stringify(body), { status })
});

describe('errorSentence', () => {
  it('prefers the server sentence, then the catalogue, then a generic one', () => {
    expect(errorSentence('budget_exceeded_monthly', 'Only 12 credits left.')).toBe('Only 12 credits left.');
    expect(errorSentence('insufficient_credits')).toMatch(/enough credits/);
    expect(errorSentence('checkout_in_progress')).toMatch(/checkout is already being started/);
    expect(errorSentence('no_such_code')).toMatch(/Something went wrong/);
  });
});

describe('functionFailure', () => {
  it('reads {error:{code,message}} from the HTTP response', async () => {
    const f = await functionFailure(httpError(402, { error: { code: 'budget_exceeded_per_call', message: 'Too dear.' } }));
    expect(f).toEqual({ code: 'budget_exceeded_per_call', message: 'Too dear.' });
  });

  it('falls back on the status when the body is not ours', async () => {
    expect((await functionFailure(httpError(502, '<html>bad gateway</html>'))).code).toBe('provider_unavailable');
    expect((await functionFailure(httpError(401, ''))).code).toBe('unauthenticated');
  });

  it('reports a fetch failure as a network problem', async () => {
    expect((await functionFailure({ name: 'FunctionsFetchError' })).code).toBe('network');
    expect((await functionFailure(new TypeError('fetch failed'))).code).toBe('network');
  });
});

describe('invokeFunction', () => {
  it('passes the body and returns data on success', async () => {
    const seen: unknown[] = [];
    const client = { functions: { invoke: async (slug: string, o: { body: Record<string, unknown> }) => { seen.push([slug, o.body]); return { data: { ok: 1 }, error: null }; } } };
    expect(await invokeFunction(client, 'calls-create', { dry_run: true })).toEqual({ ok: true, data: { ok: 1 } });
    expect(seen).toEqual([['calls-create', { dry_run: true }]]);
  });

  it('returns the failure of an HTTP error and of a thrown error', async () => {
    const failing = { functions: { invoke: async () => ({ data: null, error: httpError(409, { error: { code: 'conflict', message: 'Busy.' } }) }) } };
    expect(await invokeFunction(failing, 'x', {})).toEqual({ ok: false, error: { code: 'conflict', message: 'Busy.' } });
    const throwing = { functions: { invoke: async () => { throw new TypeError('offline'); } } };
    const r = await invokeFunction(throwing, 'x', {});
    expect(r.ok === false && r.error.code).toBe('network');
  });
});

describe('databaseFailure', () => {
  it('names row-level security and constraint failures', () => {
    expect(databaseFailure({ code: '42501' }).code).toBe('rls_denied');
    expect(databaseFailure({ code: '23514' }).code).toBe('check_violation');
    expect(databaseFailure(null).code).toBe('internal_error');
  });

  it('passes on the code and sentence of a limit the database refused with', () => {
    expect(databaseFailure({ code: 'P0001', message: 'too_many_pending_calls: You already have 50 upcoming scheduled calls.' }))
      .toEqual({ code: 'too_many_pending_calls', message: 'You already have 50 upcoming scheduled calls.' });
    expect(databaseFailure({ code: 'P0001', message: 'something else' }).code).toBe('internal_error');
  });
});
