// The status-callback function over real Postgres: signatures checked before any write, callbacks stored once,
// replays harmless, a finished demo call settled.
import assert from 'node:assert/strict';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { createUser, testPool } from '../_shared/testing.ts';
import { handleTwilioStatus } from './handler.ts';

const db = testPool();
const TOKEN = 'status-test-token';
const PUBLIC = 'https://api.callmeback.test';
const deps = { db, publicApiUrl: PUBLIC, authTokens: [TOKEN] };

function callback(params: Record<string, string>, opts: { sign?: boolean; tamper?: Record<string, string>; headers?: Record<string, string> } = {}): Request {
  const url = `${PUBLIC}/functions/v1/twilio-status`;
  const sig = getExpectedTwilioSignature(TOKEN, url, params);
  const body = new URLSearchParams({ ...params, ...(opts.tamper ?? {}) }).toString();
  return new Request('http://127.0.0.1:9999/twilio-status', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(opts.sign === false ? {} : { 'x-twilio-signature': sig }), ...(opts.headers ?? {}) }
  });
}

const sid = () => `CA${crypto.randomUUID().replace(/-/g, '')}`;

async function demoCall(callSid: string): Promise<string> {
  const user = await createUser(db, 'status');
  const r = await db.query<{ id: string }>(
    `insert into public.calls (user_id, persona_id, mode, phone_number, payment_method, max_duration_seconds, twilio_call_sid, status)
     values ($1, 'a0000000-0000-4000-8000-000000000001', 'phone', '+14155550100', 'demo', 120, $2, 'queued') returning id`,
    [user.id, callSid]
  );
  return r.rows[0]!.id;
}

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({ ...opts, name: 'TW-02/TW-03: unsigned and tampered callbacks are refused and write nothing', fn: async () => {
  const callSid = sid();
  const id = await demoCall(callSid);
  const p = { CallSid: callSid, CallStatus: 'completed', SequenceNumber: '3', CallDuration: '30' };
  assert.equal((await handleTwilioStatus(callback(p, { sign: false }), deps)).status, 403);
  assert.equal((await handleTwilioStatus(callback(p, { tamper: { CallDuration: '1' } }), deps)).status, 403);
  const rows = await db.query('select 1 from public.twilio_status_events where call_sid = $1', [callSid]);
  assert.equal(rows.rowCount, 0);
  assert.equal((await db.query<{ status: string }>('select status from public.calls where id = $1', [id])).rows[0]!.status, 'queued');
}});

Deno.test({ ...opts, name: 'SC-01/SC-02: a duplicate, even with a fresh idempotency header, changes nothing', fn: async () => {
  const callSid = sid();
  await demoCall(callSid);
  const p = { CallSid: callSid, CallStatus: 'ringing', SequenceNumber: '1' };
  const first = await (await handleTwilioStatus(callback(p), deps)).json();
  const again = await (await handleTwilioStatus(callback(p, { headers: { 'i-twilio-idempotency-token': crypto.randomUUID() } }), deps)).json();
  assert.equal(first.outcome, 'applied');
  assert.equal(again.outcome, 'duplicate');
}});

Deno.test({ ...opts, name: 'a completed demo call is settled from its callback with Twilio minutes recorded', fn: async () => {
  const callSid = sid();
  const id = await demoCall(callSid);
  await handleTwilioStatus(callback({ CallSid: callSid, CallStatus: 'in-progress', SequenceNumber: '2' }), deps);
  await db.query('update public.calls set media_ended_at = now() where id = $1', [id]);
  const res = await (await handleTwilioStatus(callback({ CallSid: callSid, CallStatus: 'completed', SequenceNumber: '3', CallDuration: '75' }), deps)).json();
  assert.equal(res.status, 'completed');
  assert.equal(res.settlement, 'settled');
  const call = (await db.query<{ payment_status: string; actual_cost_cents: number; duration_seconds: number }>(
    'select payment_status, actual_cost_cents, duration_seconds from public.calls where id = $1', [id])).rows[0]!;
  // 75 s = 2 started minutes × ($0.014 + $0.004) × 1.3 = $0.0468 → 5 cents (demo: recorded, not charged)
  assert.deepEqual(call, { payment_status: 'settled', actual_cost_cents: 5, duration_seconds: 75 });
}});

Deno.test({ ...opts, name: 'a signed callback for an unknown CallSid is kept (200), not dropped', fn: async () => {
  const callSid = sid();
  const res = await (await handleTwilioStatus(callback({ CallSid: callSid, CallStatus: 'ringing', SequenceNumber: '1' }), deps)).json();
  assert.equal(res.outcome, 'pending');
  assert.equal((await db.query('select 1 from public.twilio_status_events where call_sid = $1 and applied_at is null', [callSid])).rowCount, 1);
}});

Deno.test({ ...opts, name: 'SC-07: with the call row locked, the callback is stored and answered at once, then applied', fn: async () => {
  const callSid = sid();
  const id = await demoCall(callSid);
  await handleTwilioStatus(callback({ CallSid: callSid, CallStatus: 'in-progress', SequenceNumber: '2' }), deps);
  await db.query('update public.calls set media_ended_at = now() where id = $1', [id]);
  // Another transaction holds the call row (a slow settlement, a long migration): applying must wait for it.
  const holder = await db.connect();
  await holder.query('begin');
  await holder.query('select 1 from public.calls where id = $1 for update', [id]);
  const background: Promise<unknown>[] = [];
  const slowDeps = { ...deps, ackWithinMs: 300, background: (w: Promise<unknown>) => void background.push(w) };
  try {
    const res = await handleTwilioStatus(callback({ CallSid: callSid, CallStatus: 'completed', SequenceNumber: '3', CallDuration: '30' }), slowDeps);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { outcome: string }).outcome, 'stored');
    // Answered while the lock is still held: durable, not yet applied.
    const event = await db.query<{ applied_at: Date | null }>(
      `select applied_at from public.twilio_status_events where call_sid = $1 and call_status = 'completed'`, [callSid]);
    assert.equal(event.rows.length, 1);
    assert.equal(event.rows[0]!.applied_at, null);
    assert.equal(background.length, 1);
  } finally {
    await holder.query('rollback');
    holder.release();
  }
  await Promise.all(background);
  const call = (await db.query<{ status: string; payment_status: string }>('select status, payment_status from public.calls where id = $1', [id])).rows[0]!;
  assert.deepEqual(call, { status: 'completed', payment_status: 'settled' });
  // A retry from Twilio now is a harmless duplicate.
  const again = await (await handleTwilioStatus(callback({ CallSid: callSid, CallStatus: 'completed', SequenceNumber: '3', CallDuration: '30' }), deps)).json();
  assert.equal(again.outcome, 'duplicate');
}});

Deno.test({ ...opts, name: 'SC-07: a stored callback whose application never finished is applied by the reconciler step', fn: async () => {
  const callSid = sid();
  const id = await demoCall(callSid);
  // Stored as the handler stores it, then the process died before applying it.
  await db.query(`select private.store_twilio_status($1, 'busy', 4, 0, null, '{}'::jsonb)`, [callSid]);
  await db.query(`update public.twilio_status_events set received_at = now() - interval '1 minute' where call_sid = $1`, [callSid]);
  const touched = await db.query<{ call_id: string }>('select call_id from private.apply_stored_twilio_events()');
  assert.ok(touched.rows.some((r) => r.call_id === id));
  const call = (await db.query<{ status: string }>('select status from public.calls where id = $1', [id])).rows[0]!;
  assert.equal(call.status, 'busy');
  const again = await db.query<{ call_id: string }>('select call_id from private.apply_stored_twilio_events()');
  assert.ok(!again.rows.some((r) => r.call_id === id), 'an applied event is not applied twice');
}});

Deno.test({ ...opts, name: 'close the pool', fn: async () => { await db.end(); } });
