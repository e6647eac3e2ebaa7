import assert from 'node:assert/strict';
import type { Queryable } from '../_shared/queryable.ts';
import { TwilioApiError, type TwilioCall } from '../_shared/twilio_client.ts';
import { serviceCallerCheck } from '../_shared/service_role.ts';
import { handleReconcile } from './handler.ts';
import { DEFAULT_RECONCILE_CONFIG, reconcileCalls, reconcileConfigFrom } from './reconciler.ts';

const SID = `CA${'a'.repeat(32)}`;

interface Candidate {
  call_id: string;
  kind: 'stuck' | 'unsettled';
  mode: 'phone' | 'browser';
  status: string;
  twilio_call_sid: string | null;
  last_callback_sequence: number | null;
  answered_at: Date | null;
}

/** Answers the reconciler's SQL like the database would, and records what it was asked. */
function fakeDb(candidates: Candidate[], settleAs = 'settled', storedCalls: string[] = []) {
  const log: { sql: string; args: unknown[] }[] = [];
  const db: Queryable = {
    query<R>(sql: string, args: unknown[] = []) {
      log.push({ sql, args });
      let rows: unknown[] = [];
      if (sql.includes('calls_to_reconcile')) rows = candidates;
      else if (sql.includes('settle_finished_call')) rows = [{ s: settleAs }];
      else if (sql.includes('reconcile_scheduled_calls')) rows = [{ outcome: 'missed', occurrences: 2 }];
      else if (sql.includes('record_twilio_status')) rows = [{ outcome: 'applied' }];
      else if (sql.includes('apply_stored_twilio_events')) rows = storedCalls.map((call_id) => ({ call_id }));
      return Promise.resolve({ rows: rows as R[], rowCount: sql.startsWith('update') ? 1 : rows.length });
    }
  };
  return { db, log };
}

function twilio(call: Partial<TwilioCall> | Error) {
  const hungUp: string[] = [];
  return {
    hungUp,
    fetchCall: (sid: string) => call instanceof Error ? Promise.reject(call) : Promise.resolve({ sid, status: 'completed', duration: null, ...call }),
    hangUp: (sid: string) => {
      hungUp.push(sid);
      return Promise.resolve({ sid, status: 'completed', duration: null });
    }
  };
}

const stuck = (over: Partial<Candidate> = {}): Candidate => ({
  call_id: 'call-1', kind: 'stuck', mode: 'phone', status: 'ringing', twilio_call_sid: SID, last_callback_sequence: 2,
  answered_at: null, ...over
});

Deno.test('an answered call Twilio reports completed is recorded as answered, then completed, after the last callback', async () => {
  const { db, log } = fakeDb([stuck()]);
  const report = await reconcileCalls({ db, twilio: twilio({ status: 'completed', duration: '75', answered_by: 'human' }), config: DEFAULT_RECONCILE_CONFIG });
  const recorded = log.filter((q) => q.sql.includes('record_twilio_status')).map((q) => q.args.slice(0, 4));
  assert.deepEqual(recorded, [[SID, 'in-progress', 3, null], [SID, 'completed', 4, 75]]);
  const params = log.find((q) => q.sql.includes('record_twilio_status'))!.args[5] as Record<string, string>;
  assert.equal(params.CallbackSource, 'reconciler');
  assert.deepEqual(report, { applied: 0, finished: 1, unconnected: 0, hung_up: 0, unreachable: 0, settled: { settled: 1 }, scheduled: { missed: 2 } });
});

Deno.test('a busy call is finished with its own status only; an already answered call is not answered again', async () => {
  for (const [candidate, status, expected] of [
    [stuck(), 'busy', [['busy', 3]]],
    [stuck({ answered_at: new Date(), status: 'in_progress' }), 'completed', [['completed', 3]]]
  ] as const) {
    const { db, log } = fakeDb([candidate]);
    await reconcileCalls({ db, twilio: twilio({ status, duration: '0' }), config: DEFAULT_RECONCILE_CONFIG });
    assert.deepEqual(log.filter((q) => q.sql.includes('record_twilio_status')).map((q) => [q.args[1], q.args[2]]), expected);
  }
});

Deno.test('a call still up at Twilio past its limit is hung up and settled later', async () => {
  const { db, log } = fakeDb([stuck({ status: 'in_progress' })]);
  const t = twilio({ status: 'in-progress' });
  const report = await reconcileCalls({ db, twilio: t, config: DEFAULT_RECONCILE_CONFIG });
  assert.deepEqual(t.hungUp, [SID]);
  assert.equal(report.hung_up, 1);
  assert.equal(log.some((q) => q.sql.includes('settle_finished_call')), false);
});

Deno.test('a call Twilio never heard of, or that never got a CallSid, is failed and released', async () => {
  for (const [candidate, call] of [
    [stuck(), new TwilioApiError(404, 20404, 'not found')],
    [stuck({ twilio_call_sid: null, status: 'created' }), { status: 'completed' }]
  ] as const) {
    const { db, log } = fakeDb([candidate], 'released');
    const report = await reconcileCalls({ db, twilio: twilio(call), config: DEFAULT_RECONCILE_CONFIG });
    assert.ok(log.some((q) => q.sql.includes(`status = 'failed', end_reason = 'provider_error'`)));
    assert.deepEqual(report.settled, { released: 1 });
  }
});

Deno.test('Twilio being unreachable leaves the call for the next run without settling it', async () => {
  const { db, log } = fakeDb([stuck()]);
  const report = await reconcileCalls({ db, twilio: twilio(new TwilioApiError(503, null, 'unavailable')), config: DEFAULT_RECONCILE_CONFIG });
  assert.equal(report.unreachable, 1);
  assert.equal(log.some((q) => q.sql.includes('settle_finished_call') || q.sql.includes('record_twilio_status')), false);
});

Deno.test('unsettled calls are settled with the grace period; card calls are captured at Stripe', async () => {
  const { db, log } = fakeDb([stuck({ kind: 'unsettled', status: 'completed' })], 'card_capture_required');
  const captured: string[] = [];
  const report = await reconcileCalls({
    db, twilio: twilio({}), config: { ...DEFAULT_RECONCILE_CONFIG, graceSeconds: 90 },
    cards: { settleCardCall: (id) => (captured.push(id), Promise.resolve('settled' as const)) }
  });
  assert.deepEqual(captured, ['call-1']);
  assert.deepEqual(report.settled, { settled: 1 }, 'the card outcome is reported, not the request for it');
  assert.deepEqual(log.find((q) => q.sql.includes('settle_finished_call'))!.args, ['call-1', 90]);
});

Deno.test('settings come from the environment', () => {
  assert.deepEqual(reconcileConfigFrom(() => undefined), DEFAULT_RECONCILE_CONFIG);
  assert.equal(reconcileConfigFrom((n) => (n === 'SETTLEMENT_GRACE_SECONDS' ? '30' : undefined)).graceSeconds, 30);
  assert.throws(() => reconcileConfigFrom((n) => (n === 'RECONCILE_MARGIN_SECONDS' ? 'soon' : undefined)), /RECONCILE_MARGIN_SECONDS/);
});

const SECRET = 'sb_secret_reconcile-test-key';
const PUBLISHABLE = 'sb_publishable_reconcile-test-key';

Deno.test('the function answers only the service role', async () => {
  const { db } = fakeDb([]);
  const deps = {
    db, twilio: twilio({}), config: DEFAULT_RECONCILE_CONFIG,
    authorize: serviceCallerCheck({ publishable: { default: PUBLISHABLE }, secret: { default: SECRET }, legacyAnon: null, legacyServiceRole: null, jwks: null })
  };
  const post = (apikey: string) => new Request('http://x/', { method: 'POST', headers: { apikey } });
  assert.equal((await handleReconcile(post(PUBLISHABLE), deps)).status, 403);
  assert.equal((await handleReconcile(post('sb_secret_wrong'), deps)).status, 401);
  const ok = await handleReconcile(post(SECRET), deps);
  assert.equal(ok.status, 200);
  assert.deepEqual((await ok.json()).scheduled, { missed: 2 });
});

Deno.test('callbacks stored but never applied are applied first, and the calls they finished are settled once', async () => {
  const { db, log } = fakeDb([stuck({ call_id: 'call-2', kind: 'unsettled' })], 'settled', ['call-2', 'call-3']);
  const report = await reconcileCalls({ db, twilio: twilio(new Error('not asked')), config: DEFAULT_RECONCILE_CONFIG });
  assert.equal(report.applied, 2);
  assert.deepEqual(log.find((q) => q.sql.includes('apply_stored_twilio_events'))!.args, [30]);
  const settled = log.filter((q) => q.sql.includes('settle_finished_call')).map((q) => q.args[0]);
  assert.deepEqual(settled.sort(), ['call-2', 'call-3']);
});

Deno.test('a stuck browser call that Twilio carries (it has a CallSid) is asked about at Twilio, not closed locally', async () => {
  const { db, log } = fakeDb([stuck({ mode: 'browser', status: 'in_progress' })]);
  const t = twilio({ status: 'in-progress' });
  const report = await reconcileCalls({ db, twilio: t, config: DEFAULT_RECONCILE_CONFIG });
  assert.deepEqual(t.hungUp, [SID]);
  assert.equal(report.hung_up, 1);
  assert.ok(!log.some((q) => q.sql.includes("'relay_error'")), 'not closed as a softphone call');
});
