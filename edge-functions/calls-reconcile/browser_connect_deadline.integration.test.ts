// A browser call whose page was left before the microphone connected: past its connect deadline it no longer blocks
// a new call, and the reconciler's sweep cancels it and releases its hold through the usual settlement.
import assert from 'node:assert/strict';
import { placeCall, type PlaceCallDeps, type PlaceCallRequest } from '../_shared/place_call.ts';
import { createUser, testPool } from '../_shared/testing.ts';
import { DEFAULT_RECONCILE_CONFIG, reconcileCalls } from './reconciler.ts';

const opts = { sanitizeResources: false, sanitizeOps: false };
const db = testPool();
const PERSONA = 'a0000000-0000-4000-8000-000000000001';
const noTwilio = { createCall: () => Promise.reject(new Error('a browser call dials nothing')) };
const deps: PlaceCallDeps = { db, twilio: noTwilio, publicApiUrl: 'http://127.0.0.1:9', twilioFromNumber: '+15005550006', demoMode: false };
const request = (userId: string): PlaceCallRequest =>
  ({ userId, personaId: PERSONA, mode: 'browser', paymentMethod: 'credits', maxDurationMinutes: 5 });

Deno.test({ ...opts, name: 'a browser call never connected is released after its connect deadline and stops blocking new calls', fn: async () => {
  const user = await createUser(db, 'browser-deadline', { verifiedNumber: true });
  const placed = await placeCall(request(user.id), deps);
  assert.ok(placed.ok, JSON.stringify(placed));
  const callId = placed.call.call_id;
  assert.ok(placed.call.reserved_credits > 0);

  // Within the deadline it is the call in progress, and the sweep leaves it alone.
  const second = await placeCall({ ...request(user.id), dryRun: true }, deps);
  assert.equal(second.ok ? 'placed' : second.error.code, 'conflict');
  const noTwilioAsked = { fetchCall: () => Promise.reject(new Error('unused')), hangUp: () => Promise.reject(new Error('unused')) };
  await reconcileCalls({ db, twilio: noTwilioAsked, config: { ...DEFAULT_RECONCILE_CONFIG, graceSeconds: 0, limit: 500 } });
  assert.equal((await db.query('select status from public.calls where id = $1', [callId])).rows[0]!.status, 'queued');

  // The page was left: three minutes later nothing connected.
  await db.query(`update public.calls set created_at = now() - interval '3 minutes', dialed_at = now() - interval '3 minutes' where id = $1`, [callId]);
  const after = await placeCall({ ...request(user.id), dryRun: true }, deps);
  assert.ok(after.ok, `a new call may be placed: ${JSON.stringify(after)}`);

  await reconcileCalls({ db, twilio: noTwilioAsked, config: { ...DEFAULT_RECONCILE_CONFIG, graceSeconds: 0, limit: 500 } });
  const call = (await db.query('select status, end_reason, payment_status, credits_used from public.calls where id = $1', [callId])).rows[0]!;
  assert.deepEqual(call, { status: 'canceled', end_reason: 'canceled', payment_status: 'released', credits_used: 0 });
  const credits = (await db.query('select available_credits::int as a, reserved_credits::int as r from public.user_credits where user_id = $1', [user.id])).rows[0];
  assert.deepEqual(credits, { a: 500, r: 0 });
  const violations = await db.query('select * from private.ledger_violations()');
  assert.equal(violations.rowCount, 0);
}});

Deno.test({ ...opts, name: 'close the pool', fn: async () => { await db.end(); } });
