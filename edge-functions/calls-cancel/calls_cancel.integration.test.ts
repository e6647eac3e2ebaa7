// Hanging up: only the owner's unfinished calls; a call Twilio knows is hung up there, one it never knew ends here
// with its reservation released.
import assert from 'node:assert/strict';
import { createUser, sessionFor, testPool } from '../_shared/testing.ts';
import type { TwilioClient } from '../_shared/twilio_client.ts';
import { handleCallsCancel } from './handler.ts';

const db = testPool();
const opts = { sanitizeResources: false, sanitizeOps: false };
const BRAD = 'a0000000-0000-4000-8000-000000000001';

async function setup(sid: string | null, status = 'queued', mode: 'phone' | 'browser' = 'phone') {
  const user = await createUser(db, 'cancel', { verifiedNumber: true });
  const call = await db.query<{ id: string }>(
    `insert into public.calls (user_id, persona_id, mode, phone_number, payment_method, max_duration_seconds, twilio_call_sid, status)
     values ($1, $2, $5, case when $5 = 'phone' then '+14155550100' end, 'credits', 120, $3, $4) returning id`, [user.id, BRAD, sid, status, mode]);
  await db.query('select private.reserve_call_credits($1, $2, 20, $3)', [user.id, call.rows[0]!.id, `reserve:${call.rows[0]!.id}`]);
  const hungUp: string[] = [];
  const twilio: Pick<TwilioClient, 'hangUp'> = { hangUp: (s) => { hungUp.push(s); return Promise.resolve({ sid: s, status: 'completed', duration: '3' }); } };
  const s = sessionFor(user.id);
  const cancel = (callId: string, session = s, extra: Record<string, unknown> = {}) =>
    handleCallsCancel(new Request('http://f/calls-cancel', { method: 'POST', body: JSON.stringify({ call_id: callId, ...extra }), headers: { authorization: session.authorization } }), { session: session.deps, db: db as never, twilio });
  return { user, callId: call.rows[0]!.id, hungUp, cancel };
}

const code = async (r: Response) => ((await r.json()) as { error: { code: string } }).error.code;

Deno.test({ ...opts, name: 'a call Twilio has is hung up at Twilio (the callback then finishes it)', fn: async () => {
  const sid = `CA${crypto.randomUUID().replace(/-/g, '')}`;
  const t = await setup(sid, 'in_progress');
  const res = await t.cancel(t.callId);
  assert.equal(res.status, 202);
  assert.deepEqual(t.hungUp, [sid]);
}});

Deno.test({ ...opts, name: 'a call that never reached Twilio is canceled here and its credits released', fn: async () => {
  const t = await setup(null, 'created');
  const res = await t.cancel(t.callId);
  assert.equal(res.status, 200);
  assert.deepEqual(t.hungUp, []);
  const row = (await db.query('select status, payment_status from public.calls where id = $1', [t.callId])).rows[0];
  assert.deepEqual(row, { status: 'canceled', payment_status: 'released' });
  const credits = (await db.query('select available_credits::int as a, reserved_credits::int as r from public.user_credits where user_id = $1', [t.user.id])).rows[0];
  assert.deepEqual(credits, { a: 500, r: 0 });
}});

Deno.test({ ...opts, name: 'another user cannot hang up my call; a finished call cannot be cancelled', fn: async () => {
  const t = await setup(null, 'created');
  const stranger = sessionFor((await createUser(db, 'stranger')).id);
  assert.equal(await code(await t.cancel(t.callId, stranger)), 'call_not_found');
  assert.equal(await code(await t.cancel('not-a-uuid')), 'call_not_found');
  await t.cancel(t.callId);
  assert.equal(await code(await t.cancel(t.callId)), 'call_not_cancellable');
}});

Deno.test({ ...opts, name: 'a page left before the microphone connected releases its browser call, never one that connected', fn: async () => {
  const waiting = await setup(null, 'queued', 'browser');
  const res = await waiting.cancel(waiting.callId, undefined, { unconnected_only: true });
  assert.equal(res.status, 200);
  const row = (await db.query('select status, payment_status from public.calls where id = $1', [waiting.callId])).rows[0];
  assert.deepEqual(row, { status: 'canceled', payment_status: 'released' });

  const live = await setup(null, 'in_progress', 'browser');
  const refused = await live.cancel(live.callId, undefined, { unconnected_only: true });
  assert.equal(refused.status, 409);
  assert.equal(await code(refused), 'call_not_cancellable');
  assert.equal((await db.query('select status from public.calls where id = $1', [live.callId])).rows[0]!.status, 'in_progress');
}});

Deno.test({ ...opts, name: 'close the pool', fn: async () => { await db.end(); } });
