import assert from 'node:assert/strict';
import { appError } from '../../core/src/errors.ts';
import { localToUtc } from '../../core/src/schedule.ts';
import type { PlaceCallRequest, PlaceCallResult } from '../_shared/place_call.ts';
import {
  DEFAULT_DISPATCH_CONFIG, dispatchConfigFrom, dispatchDueCalls, nextAfter, type ClaimOptions, type Clock, type DispatchDeps,
  type Occurrence, type ScheduleStore
} from './dispatcher.ts';
import { serviceCallerCheck } from '../_shared/service_role.ts';
import { handleDispatch } from './handler.ts';

const T0 = new Date('2026-12-01T07:00:00Z');

function occurrence(over: Partial<Occurrence> = {}): Occurrence {
  return {
    id: crypto.randomUUID(), user_id: crypto.randomUUID(), persona_id: crypto.randomUUID(), scenario_template_id: null,
    phone_number_id: crypto.randomUUID(), custom_instructions: null, max_duration_seconds: null, scheduled_time: T0,
    timezone: 'Europe/London', local_time: '07:00:00', recurrence: 'none', status: 'claimed', failure_reason: null,
    dial_at: T0, ...over
  };
}

/**
 * A clock whose sleeps end in virtual time: sleepers wake one at a time in wake-time order (each woken task runs
 * before the next wakes), so tests see exactly when each dial happens without waiting.
 */
function virtualClock(start: Date): Clock {
  let t = start.getTime();
  const sleepers: { wake: number; resolve: () => void }[] = [];
  let flushing = false;
  const flush = () => {
    const next = sleepers.sort((a, b) => a.wake - b.wake).shift();
    if (!next) {
      flushing = false;
      return;
    }
    t = Math.max(t, next.wake);
    next.resolve();
    setTimeout(flush, 0);
  };
  return {
    now: () => new Date(t),
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        sleepers.push({ wake: t + ms, resolve });
        if (!flushing) {
          flushing = true;
          setTimeout(flush, 0);
        }
      }),
    claimTime: () => new Date(t)
  };
}

interface FakeStore extends ScheduleStore {
  batches: Occurrence[][];
  claims: ClaimOptions[];
  nextComputed: (Date | null)[];
  outcomes: Map<string, { status: string; callId?: string; reason?: string }>;
  calls: Map<string, { id: string; dialed: boolean }>;
}

function fakeStore(batches: Occurrence[][]): FakeStore {
  const store: FakeStore = {
    batches: [...batches],
    claims: [],
    nextComputed: [],
    outcomes: new Map(),
    calls: new Map(),
    claim(opts, nextAt) {
      store.claims.push(opts);
      const occurrences = store.batches.shift() ?? [];
      const next = occurrences.filter((o) => o.recurrence !== 'none').map(nextAt);
      store.nextComputed.push(...next);
      return Promise.resolve({ occurrences, nextCreated: next.filter(Boolean).length });
    },
    markDispatched(id, callId) {
      store.outcomes.set(id, { status: 'dispatched', callId });
      return Promise.resolve();
    },
    markFailed(id, reason) {
      store.outcomes.set(id, { status: 'failed', reason });
      return Promise.resolve();
    },
    markMissed(id, reason) {
      store.outcomes.set(id, { status: 'missed', reason });
      return Promise.resolve();
    },
    callFor(id) {
      return Promise.resolve(store.calls.get(id) ?? null);
    }
  };
  return store;
}

function placed(callId: string): PlaceCallResult {
  return {
    ok: true,
    call: { call_id: callId, status: 'queued', mode: 'phone', max_duration_seconds: 300, estimated_cost_cents: 40, reserved_credits: 40, payment_method: 'credits', replayed: false }
  };
}

function deps(store: ScheduleStore, clock: Clock, place: (r: PlaceCallRequest) => Promise<PlaceCallResult>, config = {}): DispatchDeps {
  return { store, clock, placeCall: place, config: { ...DEFAULT_DISPATCH_CONFIG, ...config } };
}

Deno.test('each claimed occurrence is placed at its planned second, through placeCall, and marked dispatched', async () => {
  const a = occurrence({ max_duration_seconds: 600, custom_instructions: 'Remind me to stretch', dial_at: T0 });
  const b = occurrence({ dial_at: new Date(T0.getTime() + 1000) });
  const store = fakeStore([[a, b]]);
  const clock = virtualClock(new Date(T0.getTime() - 30_000));
  const seen: { req: PlaceCallRequest; at: number }[] = [];
  const run = await dispatchDueCalls(deps(store, clock, (req) => {
    seen.push({ req, at: clock.now().getTime() });
    return Promise.resolve(placed(`call-${req.scheduledCallId}`));
  }));
  assert.deepEqual(run.claim, { claimed: 2, missed: 0, next_created: 0 });
  const dials = await run.dials;
  assert.equal(dials.dispatched, 2);
  assert.deepEqual(seen.map((s) => s.at - T0.getTime()).sort((x, y) => x - y), [0, 1000]);
  const first = seen.find((s) => s.req.scheduledCallId === a.id)!.req;
  assert.deepEqual(first, {
    userId: a.user_id, personaId: a.persona_id, mode: 'phone', phoneNumberId: a.phone_number_id, scenarioTemplateId: null,
    customInstructions: 'Remind me to stretch', maxDurationMinutes: 10, paymentMethod: 'credits', scheduledCallId: a.id
  });
  assert.deepEqual(store.outcomes.get(a.id), { status: 'dispatched', callId: `call-${a.id}` });
  assert.deepEqual(store.outcomes.get(b.id), { status: 'dispatched', callId: `call-${b.id}` });
});

Deno.test('the claim asks for the run settings and the pinned time', async () => {
  const store = fakeStore([[]]);
  const clock = virtualClock(T0);
  await (await dispatchDueCalls(deps(store, clock, () => Promise.reject(new Error('unused')), { callsPerSecond: 5, onlyUserIds: ['u1'] }))).dials;
  assert.deepEqual(store.claims, [{
    limit: 100, callsPerSecond: 5, now: T0, lookaheadSeconds: 60, missedAfterSeconds: 600, horizonSeconds: 90, onlyUserIds: ['u1']
  }]);
});

Deno.test('a refusal marks the occurrence failed with the sentence the user would have seen', async () => {
  const o = occurrence();
  const store = fakeStore([[o]]);
  const sentence = 'You have 3 credits and a one-minute call costs about 12 credits. Buy a credit pack or pay by card.';
  const run = await dispatchDueCalls(deps(store, virtualClock(T0), () =>
    Promise.resolve({ ok: false, error: appError('insufficient_credits', sentence) })));
  assert.deepEqual(await run.dials, { dispatched: 0, failed: 1, missed: 0, lateness_ms: [0] });
  assert.deepEqual(store.outcomes.get(o.id), { status: 'failed', reason: sentence });
});

Deno.test('occurrences the claim marked missed are never dialled', async () => {
  const missed = occurrence({ status: 'missed', failure_reason: 'late', dial_at: null });
  const store = fakeStore([[missed]]);
  let placedCalls = 0;
  const run = await dispatchDueCalls(deps(store, virtualClock(T0), () => {
    placedCalls++;
    return Promise.resolve(placed('x'));
  }));
  assert.deepEqual(run.claim, { claimed: 0, missed: 1, next_created: 0 });
  await run.dials;
  assert.equal(placedCalls, 0);
  assert.equal(store.outcomes.size, 0);
});

Deno.test('a run held up past the missed window skips the call instead of ringing late', async () => {
  const o = occurrence({ dial_at: new Date(T0.getTime() + 1000) });
  const store = fakeStore([[o]]);
  const clock = virtualClock(T0);
  let placedCalls = 0;
  // The worker is paused for 11 minutes while it waits for the dial second.
  const paused: Clock = { ...clock, sleep: (ms) => clock.sleep(ms + 11 * 60_000) };
  const run = await dispatchDueCalls(deps(store, paused, () => {
    placedCalls++;
    return Promise.resolve(placed('x'));
  }));
  const dials = await run.dials;
  assert.equal(placedCalls, 0);
  assert.equal(dials.missed, 1);
  assert.equal(store.outcomes.get(o.id)?.status, 'missed');
});

Deno.test('a crash after the call reached the carrier keeps it dispatched; before, it fails with an apology', async () => {
  const reached = occurrence();
  const lost = occurrence();
  const store = fakeStore([[reached, lost]]);
  store.calls.set(reached.id, { id: 'call-reached', dialed: true });
  const run = await dispatchDueCalls(deps(store, virtualClock(T0), () => Promise.reject(new Error('connection reset'))));
  assert.equal((await run.dials).dispatched, 1);
  assert.deepEqual(store.outcomes.get(reached.id), { status: 'dispatched', callId: 'call-reached' });
  assert.equal(store.outcomes.get(lost.id)?.status, 'failed');
  assert.match(store.outcomes.get(lost.id)!.reason!, /Nothing was charged/);
});

Deno.test('a conflict because the occurrence was already placed keeps the existing call', async () => {
  const o = occurrence();
  const store = fakeStore([[o]]);
  store.calls.set(o.id, { id: 'call-first', dialed: true });
  const run = await dispatchDueCalls(deps(store, virtualClock(T0), () =>
    Promise.resolve({ ok: false, error: appError('conflict', 'This scheduled call has already been placed.') })));
  await run.dials;
  assert.deepEqual(store.outcomes.get(o.id), { status: 'dispatched', callId: 'call-first' });
});

Deno.test('claims batch after batch until a short one', async () => {
  const full = [occurrence(), occurrence()];
  const short = [occurrence()];
  const store = fakeStore([full, short, [occurrence()]]);
  const run = await dispatchDueCalls(deps(store, virtualClock(T0), (r) => Promise.resolve(placed(`c-${r.scheduledCallId}`)), { batchSize: 2 }));
  assert.equal(store.claims.length, 2);
  assert.equal(run.claim.claimed, 3);
  assert.equal((await run.dials).dispatched, 3);
});

Deno.test('recurring occurrences get their next occurrence in the user\'s zone (07:00 London across the March change)', async () => {
  const at = localToUtc({ year: 2027, month: 3, day: 27 }, '07:00', 'Europe/London'); // Saturday, GMT
  const o = occurrence({ recurrence: 'daily', scheduled_time: at, dial_at: at });
  const store = fakeStore([[o]]);
  const run = await dispatchDueCalls(deps(store, virtualClock(new Date(at.getTime() - 20_000)), () => Promise.resolve(placed('c'))));
  assert.equal(run.claim.next_created, 1);
  // Sunday 28 March 2027 is the change: 07:00 BST is 06:00 UTC.
  assert.deepEqual(store.nextComputed, [new Date('2027-03-28T06:00:00Z')]);
  await run.dials;
});

Deno.test('nextAfter never returns a time before now (a run days late does not replay the gap)', () => {
  const o = occurrence({ recurrence: 'weekdays', scheduled_time: new Date('2026-12-01T07:00:00Z') }); // Tuesday
  const now = new Date('2026-12-04T12:00:00Z'); // Friday noon
  assert.deepEqual(nextAfter(o, now), new Date('2026-12-07T07:00:00Z')); // Monday
  assert.equal(nextAfter({ ...o, recurrence: 'none' }, now), null);
});

Deno.test('settings are read from the environment and refused when out of range', () => {
  const env = (values: Record<string, string>) => (n: string) => values[n];
  assert.deepEqual(dispatchConfigFrom(env({})), DEFAULT_DISPATCH_CONFIG);
  assert.equal(dispatchConfigFrom(env({ DISPATCH_CALLS_PER_SECOND: '10' })).callsPerSecond, 10);
  assert.throws(() => dispatchConfigFrom(env({ DISPATCH_CALLS_PER_SECOND: '0' })), /DISPATCH_CALLS_PER_SECOND/);
  assert.throws(() => dispatchConfigFrom(env({ SCHEDULED_CALLS_PAYMENT_METHOD: 'card' })), /SCHEDULED_CALLS_PAYMENT_METHOD/);
});

const SECRET = 'sb_secret_dispatch-test-key';
const PUBLISHABLE = 'sb_publishable_dispatch-test-key';

Deno.test('the function answers only the service role, and reports the claim', async () => {
  const store = fakeStore([[occurrence({ status: 'missed', failure_reason: 'late', dial_at: null })]]);
  let background = 0;
  const handlerDeps = {
    ...deps(store, virtualClock(T0), () => Promise.resolve(placed('c'))),
    authorize: serviceCallerCheck({ publishable: { default: PUBLISHABLE }, secret: { default: SECRET }, legacyAnon: null, legacyServiceRole: null, jwks: null }),
    background: () => {
      background++;
    }
  };
  const post = (apikey?: string) => new Request('http://x/dispatch-scheduled-calls', { method: 'POST', headers: apikey ? { apikey } : {} });
  assert.equal((await handleDispatch(post(), handlerDeps)).status, 401);
  assert.equal((await handleDispatch(post('sb_secret_forged'), handlerDeps)).status, 401);
  assert.equal((await handleDispatch(post(PUBLISHABLE), handlerDeps)).status, 403);
  assert.equal(store.claims.length, 0, 'nothing is claimed for a refused caller');
  assert.equal((await handleDispatch(new Request('http://x/', { method: 'GET', headers: { apikey: SECRET } }), handlerDeps)).status, 405);
  const ok = await handleDispatch(post(SECRET), handlerDeps);
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { claimed: 0, missed: 1, next_created: 0 });
  assert.equal(background, 1);
});
