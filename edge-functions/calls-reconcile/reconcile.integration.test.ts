// SC-05 over devstack: real calls placed on the Twilio stand-in whose status callbacks went nowhere (the callback URL
// points at a closed port), so our database still shows them open. The reconciler asks Twilio and finishes them
// through the same SQL as a callback, then settles them.
import assert from 'node:assert/strict';
import { placeCall } from '../_shared/place_call.ts';
import { createUser, stackEnv, testPool } from '../_shared/testing.ts';
import { twilioClient, type TwilioClient } from '../_shared/twilio_client.ts';
import { DEFAULT_RECONCILE_CONFIG, reconcileCalls, type ReconcileReport } from './reconciler.ts';

const opts = { sanitizeResources: false, sanitizeOps: false };
const db = testPool();
const twilio = twilioClient({
  accountSid: stackEnv('TWILIO_ACCOUNT_SID'),
  authToken: stackEnv('TWILIO_AUTH_TOKEN'),
  apiBase: stackEnv('TWILIO_API_BASE'),
  verifyBase: stackEnv('TWILIO_API_BASE'),
  verifyServiceSid: 'VA00000000000000000000000000000000'
});
const PERSONA = 'a0000000-0000-4000-8000-000000000001';

/** Places a real call on the stand-in for a new user; nothing receives its TwiML fetch or status callbacks. */
async function lostCall(to: string): Promise<{ userId: string; callId: string; sid: string }> {
  const user = await createUser(db, 'reconcile', { verifiedNumber: true });
  const n = await db.query<{ id: string }>(
    `insert into public.user_phone_numbers (user_id, phone_number, country_code) values ($1, $2, 'US') returning id`, [user.id, to]);
  const placed = await placeCall(
    { userId: user.id, personaId: PERSONA, mode: 'phone', phoneNumberId: n.rows[0]!.id, paymentMethod: 'credits', maxDurationMinutes: 5 },
    { db, twilio, publicApiUrl: 'http://127.0.0.1:9', twilioFromNumber: stackEnv('TWILIO_FROM_NUMBER'), demoMode: false }
  );
  assert.ok(placed.ok, JSON.stringify(placed));
  const sid = (await db.query<{ sid: string }>('select twilio_call_sid as sid from public.calls where id = $1', [placed.call.call_id])).rows[0]!.sid;
  return { userId: user.id, callId: placed.call.call_id, sid };
}

async function waitFor(sid: string, statuses: string[]): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const s = (await twilio.fetchCall(sid)).status;
    if (statuses.includes(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`call ${sid} never reached ${statuses.join('/')}`);
}

/** Makes the call look as old as one whose final callback is long overdue (placed an hour ago). */
async function age(callId: string): Promise<void> {
  await db.query(`update public.calls set created_at = now() - interval '1 hour', dialed_at = now() - interval '1 hour' where id = $1`, [callId]);
}

/** Runs the reconciler until `callId` has a final state (earlier leftovers of the shared stack come first). */
async function reconcileUntil(callId: string, done: (c: Record<string, unknown>) => boolean, twilioClient: Pick<TwilioClient, 'fetchCall' | 'hangUp'> = twilio) {
  const reports: ReconcileReport[] = [];
  for (let i = 0; i < 10; i++) {
    reports.push(await reconcileCalls({ db, twilio: twilioClient, config: { ...DEFAULT_RECONCILE_CONFIG, graceSeconds: 0, limit: 200 } }));
    const c = (await db.query('select * from public.calls where id = $1', [callId])).rows[0]!;
    if (done(c)) return { call: c, reports };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`call ${callId} was not reconciled`);
}

Deno.test({ ...opts, name: 'SC-05: a busy call whose final callback never came is finished from Twilio and its hold released', fn: async () => {
  const { userId, callId, sid } = await lostCall('+12025550110'); // the stand-in answers busy
  assert.equal(await waitFor(sid, ['busy']), 'busy');
  const before = (await db.query<{ status: string }>('select status from public.calls where id = $1', [callId])).rows[0]!;
  assert.equal(before.status, 'queued', 'no callback reached us');

  // Not overdue yet: left alone.
  await reconcileCalls({ db, twilio, config: { ...DEFAULT_RECONCILE_CONFIG, graceSeconds: 0, limit: 200 } });
  assert.equal((await db.query<{ status: string }>('select status from public.calls where id = $1', [callId])).rows[0]!.status, 'queued');

  await age(callId);
  const { call } = await reconcileUntil(callId, (c) => c.payment_status === 'released');
  assert.equal(call.status, 'busy');
  assert.equal(call.end_reason, 'busy');
  assert.equal(call.credits_used, 0);
  const credits = (await db.query<{ available_credits: number; reserved_credits: number }>(
    'select available_credits::int, reserved_credits::int from public.user_credits where user_id = $1', [userId])).rows[0]!;
  assert.deepEqual(credits, { available_credits: 500, reserved_credits: 0 }, 'the whole reservation came back');
  const events = await db.query<{ call_status: string; source: string }>(
    `select call_status, params->>'CallbackSource' as source from public.twilio_status_events where call_sid = $1`, [sid]);
  assert.deepEqual(events.rows, [{ call_status: 'busy', source: 'reconciler' }], 'applied through the status-callback path');
}});

Deno.test({ ...opts, name: 'SC-05: a call still up at Twilio past its limit is hung up, then finished and charged for its minute', fn: async () => {
  // The stand-in answers, cannot fetch TwiML from the closed port, and keeps the line open until its time limit.
  const { userId, callId, sid } = await lostCall('+14155550124');
  assert.equal(await waitFor(sid, ['in-progress']), 'in-progress');
  await age(callId);
  const hangUps: string[] = [];
  const watched = { fetchCall: twilio.fetchCall, hangUp: (s: string) => (hangUps.push(s), twilio.hangUp(s)) };
  const { call } = await reconcileUntil(callId, (c) => c.payment_status === 'settled', watched);
  assert.deepEqual(hangUps.filter((s) => s === sid), [sid], 'hung up once');
  assert.equal(await waitFor(sid, ['completed']), 'completed');
  assert.equal(call.status, 'completed');
  assert.ok(call.answered_at, 'the answer is recorded before the end');
  assert.ok((call.credits_used as number) > 0, 'a connected minute is charged');
  const credits = (await db.query<{ available_credits: number; reserved_credits: number }>(
    'select available_credits::int, reserved_credits::int from public.user_credits where user_id = $1', [userId])).rows[0]!;
  assert.deepEqual(credits, { available_credits: 500 - (call.credits_used as number), reserved_credits: 0 });
}});

Deno.test({ ...opts, name: 'close the pool', fn: async () => { await db.end(); } });
