// The dispatcher over devstack's real Postgres with the real placeCall; only Twilio's Calls.create is a counting fake,
// because what is under test is the claim and the unique keys. Each test pins a clock far in the future (so the
// stack's own cron-driven dispatcher never sees these rows as due) and claims only its own users.
import assert from 'node:assert/strict';
import pg from 'pg';
import { localToUtc } from '../../core/src/schedule.ts';
import { placeCall, type PlaceCallDeps } from '../_shared/place_call.ts';
import { stackEnv } from '../_shared/testing.ts';
import type { CreateCallParams } from '../_shared/twilio_client.ts';
import { DEFAULT_DISPATCH_CONFIG, dispatchDueCalls, type Clock, type DispatchConfig } from './dispatcher.ts';
import { handleDispatch } from './handler.ts';
import { postgresScheduleStore } from './schedule_store.ts';
import { serviceCallerCheck, serviceCallerKeysFrom } from '../_shared/service_role.ts';

const PERSONA = 'a0000000-0000-4000-8000-000000000001';
const NUMBER = '+14155550123';
const opts = { sanitizeResources: false, sanitizeOps: false };
const pools: pg.Pool[] = [];
const pool = (max = 6) => {
  const p = new pg.Pool({ connectionString: stackEnv('SUPABASE_DB_URL'), max });
  pools.push(p);
  return p;
};
const db = pool();

/** Counts Calls.create per call id (the TwiML URL carries it), like a carrier that logs every dial. */
function countingTwilio() {
  const dials = new Map<string, number>();
  const times: { callId: string; at: number }[] = [];
  return {
    dials,
    times,
    createCall(p: CreateCallParams) {
      const callId = new URL(p.url).searchParams.get('call_id')!;
      dials.set(callId, (dials.get(callId) ?? 0) + 1);
      times.push({ callId, at: Date.now() });
      return Promise.resolve({ sid: `CA${crypto.randomUUID().replace(/-/g, '')}`, status: 'queued', duration: null });
    }
  };
}

function placeDeps(db: pg.Pool, twilio: ReturnType<typeof countingTwilio>): PlaceCallDeps {
  // Nothing listens on port 9: no TwiML or status callback from this test reaches anything.
  return { db, twilio, publicApiUrl: 'http://127.0.0.1:9', twilioFromNumber: '+15005550006', demoMode: false };
}

/** Real time shifted so that "now" reads `at`. */
function clockAt(at: Date): Clock {
  const offset = at.getTime() - Date.now();
  return {
    now: () => new Date(Date.now() + offset),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    claimTime: () => new Date(Date.now() + offset)
  };
}

/**
 * n users, each with a verified number (the sign-up trigger gives them a budget). They share one number, which earns
 * starting credits for one account at most, so each is given its credits as a promotion.
 */
async function users(n: number, tag: string): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
     select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated',
            $1 || '-' || g || '-' || substr(md5(random()::text), 1, 8) || '@example.test', '', now(), '{"provider":"email"}', '{}'
       from generate_series(1, $2) g
     returning id`, [tag, n]);
  const ids = r.rows.map((x) => x.id);
  await db.query(
    `insert into public.user_phone_numbers (user_id, phone_number, country_code) select u, $2, 'US' from unnest($1::uuid[]) u`,
    [ids, NUMBER]);
  await db.query(`select private.grant_credits(u, 500, 'promo', 'test-funds:' || u) from unnest($1::uuid[]) u`, [ids]);
  return ids;
}

async function book(userIds: string[], at: Date, recurrence = 'none', timezone = 'UTC', localTime = '07:00'): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `insert into public.scheduled_calls (user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time, recurrence)
     select u, $2, (select id from public.user_phone_numbers n where n.user_id = u), $3, $4, $5, $6 from unnest($1::uuid[]) u
     returning id`, [userIds, PERSONA, at, timezone, localTime, recurrence]);
  return r.rows.map((x) => x.id);
}

/** Ends the test's calls as a carrier would have, releasing their credit reservations. */
async function finishCalls(userIds: string[]): Promise<void> {
  const open = await db.query<{ id: string }>(
    `update public.calls set status = 'failed', end_reason = 'failed'
      where user_id = any($1::uuid[]) and status in ('created', 'queued', 'initiated', 'ringing', 'in_progress') returning id`, [userIds]);
  for (const c of open.rows) await db.query('select private.settle_finished_call($1)', [c.id]);
}

async function cleanUp(userIds: string[]): Promise<void> {
  await finishCalls(userIds);
  await db.query('delete from public.scheduled_calls where user_id = any($1::uuid[])', [userIds]);
}

/** A random minute in the given year, so runs of this suite never share dial slots. */
function farMinute(year: number): Date {
  const start = Date.UTC(year, 0, 1);
  return new Date(start + Math.floor(Math.random() * 360 * 24 * 60) * 60_000);
}

const config = (userIds: string[], over: Partial<DispatchConfig> = {}): DispatchConfig =>
  ({ ...DEFAULT_DISPATCH_CONFIG, callsPerSecond: 500, batchSize: 40, onlyUserIds: userIds, ...over });

Deno.test({ ...opts, name: 'SCH-01: 200 calls due in the same minute, two dispatcher runs racing: each is dialled exactly once', fn: async () => {
  const ids = await users(200, 'sched-race');
  try {
    const due = farMinute(2032);
    const occurrences = await book(ids, due);
    const twilio = countingTwilio();
    // Two runs with their own connections, started together a second before the calls are due.
    const clock = clockAt(new Date(due.getTime() - 1000));
    const runs = await Promise.all([pool(5), pool(5)].map((p) =>
      dispatchDueCalls({
        store: postgresScheduleStore(p), clock, config: config(ids),
        placeCall: (req) => placeCall(req, placeDeps(p, twilio))
      })));
    const dials = await Promise.all(runs.map((r) => r.dials));

    assert.equal(runs[0]!.claim.claimed + runs[1]!.claim.claimed, 200, 'every occurrence is claimed by exactly one run');
    assert.equal(dials[0]!.dispatched + dials[1]!.dispatched, 200);
    assert.equal(twilio.dials.size, 200, 'Calls.create was asked for 200 different calls');
    assert.ok([...twilio.dials.values()].every((n) => n === 1), 'no call was dialled twice');
    const rows = await db.query<{ status: string; n: number; calls: number }>(
      `select s.status, count(*)::int as n, count(distinct c.id)::int as calls
         from public.scheduled_calls s left join public.calls c on c.scheduled_call_id = s.id
        where s.id = any($1::uuid[]) group by s.status`, [occurrences]);
    assert.deepEqual(rows.rows, [{ status: 'dispatched', n: 200, calls: 200 }]);
    const linked = await db.query<{ n: number }>(
      `select count(*)::int as n from public.scheduled_calls s join public.calls c on c.id = s.call_id and c.scheduled_call_id = s.id
        where s.id = any($1::uuid[])`, [occurrences]);
    assert.equal(linked.rows[0]!.n, 200, 'each occurrence points at the one call it produced');
    // Never before its time.
    assert.ok(twilio.times.every((t) => clock.now().getTime() - Date.now() + t.at >= due.getTime() - 5));
  } finally {
    await cleanUp(ids);
  }
}});

Deno.test({ ...opts, name: 'SCH-01: the unique key, not the claim, stops a second dial of one occurrence', fn: async () => {
  const [id] = await users(1, 'sched-unique');
  try {
    const [occurrence] = await book([id!], farMinute(2032));
    const twilio = countingTwilio();
    const request = { userId: id!, personaId: PERSONA, mode: 'phone' as const,
      phoneNumberId: (await db.query<{ id: string }>('select id from public.user_phone_numbers where user_id = $1', [id])).rows[0]!.id,
      paymentMethod: 'credits' as const, scheduledCallId: occurrence };
    // Two placements that both believe they own the occurrence (a claim that went wrong), at the same moment.
    const [a, b] = await Promise.all([placeCall(request, placeDeps(pool(2), twilio)), placeCall(request, placeDeps(pool(2), twilio))]);
    assert.equal([a, b].filter((r) => r.ok).length, 1);
    assert.equal(twilio.dials.size, 1);
    assert.equal((await db.query('select 1 from public.calls where scheduled_call_id = $1', [occurrence])).rowCount, 1);
  } finally {
    await cleanUp([id!]);
  }
}});

Deno.test({ ...opts, name: 'SCH-05: a run 15 minutes late marks the call missed and never dials; the series goes on', fn: async () => {
  const [id] = await users(1, 'sched-late');
  try {
    const due = farMinute(2033);
    const [occurrence] = await book([id!], due, 'daily', 'Europe/London', '07:00');
    const twilio = countingTwilio();
    const run = await dispatchDueCalls({
      store: postgresScheduleStore(db), clock: clockAt(new Date(due.getTime() + 15 * 60_000)), config: config([id!]),
      placeCall: (req) => placeCall(req, placeDeps(db, twilio))
    });
    await run.dials;
    assert.deepEqual(run.claim, { claimed: 0, missed: 1, next_created: 1 });
    assert.equal(twilio.dials.size, 0, 'nothing was dialled');
    const row = (await db.query<{ status: string; failure_reason: string; calls: number }>(
      `select status, failure_reason, (select count(*)::int from public.calls c where c.scheduled_call_id = s.id) as calls
         from public.scheduled_calls s where id = $1`, [occurrence])).rows[0]!;
    assert.equal(row.status, 'missed');
    assert.match(row.failure_reason, /skipped rather than ringing you late/);
    assert.equal(row.calls, 0);
    const next = await db.query('select 1 from public.scheduled_calls where previous_id = $1 and status = $2', [occurrence, 'pending']);
    assert.equal(next.rowCount, 1, 'the next day\'s occurrence is booked');
  } finally {
    await cleanUp([id!]);
  }
}});

for (const c of [
  { zone: 'America/New_York', start: { year: 2031, month: 3, day: 8 }, utc: ['2031-03-08T12:00:00Z', '2031-03-09T11:00:00Z', '2031-03-10T11:00:00Z'] },
  { zone: 'America/New_York', start: { year: 2031, month: 11, day: 1 }, utc: ['2031-11-01T11:00:00Z', '2031-11-02T12:00:00Z', '2031-11-03T12:00:00Z'] },
  { zone: 'Europe/London', start: { year: 2031, month: 3, day: 29 }, utc: ['2031-03-29T07:00:00Z', '2031-03-30T06:00:00Z', '2031-03-31T06:00:00Z'] },
  { zone: 'Europe/London', start: { year: 2031, month: 10, day: 25 }, utc: ['2031-10-25T06:00:00Z', '2031-10-26T07:00:00Z', '2031-10-27T07:00:00Z'] }
]) {
  Deno.test({ ...opts, name: `SCH-04: a daily 07:00 in ${c.zone} keeps its local time across the change after ${c.start.year}-${c.start.month}-${c.start.day}`, fn: async () => {
    const [id] = await users(1, 'sched-dst');
    try {
      const first = localToUtc(c.start, '07:00', c.zone);
      await book([id!], first, 'daily', c.zone, '07:00');
      const twilio = countingTwilio();
      // Each day's run: shortly before the occurrence, dial it, then the call ends before the next day.
      for (const at of c.utc.slice(0, 2)) {
        const run = await dispatchDueCalls({
          store: postgresScheduleStore(db), clock: clockAt(new Date(new Date(at).getTime() - 300)), config: config([id!]),
          placeCall: (req) => placeCall(req, placeDeps(db, twilio))
        });
        assert.deepEqual(run.claim, { claimed: 1, missed: 0, next_created: 1 }, `run at ${at}`);
        assert.equal((await run.dials).dispatched, 1);
        await finishCalls([id!]);
      }
      const rows = await db.query<{ at: Date; local: string; status: string }>(
        `select scheduled_time as at, to_char(scheduled_time at time zone timezone, 'HH24:MI') as local, status
           from public.scheduled_calls where user_id = $1 order by scheduled_time`, [id]);
      assert.deepEqual(rows.rows.map((r) => r.at.toISOString()), c.utc.map((u) => new Date(u).toISOString()));
      assert.deepEqual(rows.rows.map((r) => r.local), ['07:00', '07:00', '07:00']);
      assert.deepEqual(rows.rows.map((r) => r.status), ['dispatched', 'dispatched', 'pending']);
      assert.equal(twilio.dials.size, 2);
    } finally {
      await cleanUp([id!]);
    }
  }});
}

/** A clock pinned at `at` whose waits return at once: a run's dial seconds pass without the test waiting for them. */
function pinnedClock(at: Date): Clock {
  return { now: () => at, sleep: () => Promise.resolve(), claimTime: () => at };
}

Deno.test({ ...opts, name: 'a 1,000-row flood from one user does not delay another user\'s call due the same minute', fn: async () => {
  const [flooder, honest] = await users(2, 'sched-flood');
  try {
    const due = farMinute(2034);
    // Written directly, as service code could: the per-user limits apply to the API, fairness must hold regardless.
    await db.query(
      `insert into public.scheduled_calls (user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time)
       select $1, $2, (select id from public.user_phone_numbers where user_id = $1), $3, 'UTC', '07:00' from generate_series(1, 1000)`,
      [flooder, PERSONA, due]);
    // The honest call's id sorts after every flood row, so "oldest first, then by id" would reach it last.
    const honestId = `ffffffff-ffff-4fff-8fff-${crypto.randomUUID().slice(-12)}`;
    await db.query(
      `insert into public.scheduled_calls (id, user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time)
       values ($1, $2, $3, (select id from public.user_phone_numbers where user_id = $2), $4, 'UTC', '07:00')`,
      [honestId, honest, PERSONA, due]);
    const twilio = countingTwilio();
    const run = await dispatchDueCalls({
      store: postgresScheduleStore(db), clock: pinnedClock(due),
      config: { ...DEFAULT_DISPATCH_CONFIG, callsPerSecond: 1, batchSize: 100, onlyUserIds: [flooder!, honest!] },
      placeCall: (req) => placeCall(req, placeDeps(db, twilio))
    });
    await run.dials;

    // One claim batch: 91 dial seconds within the 90 s horizon, round-robin: the flood's first row, then the honest
    // user's, then the rest of the flood.
    assert.equal(run.claim.claimed, 91);
    const row = (await db.query<{ status: string; late_ms: number; call_id: string | null }>(
      `select status, extract(epoch from dial_at - scheduled_time)::int * 1000 as late_ms, call_id
         from public.scheduled_calls where id = $1`, [honestId])).rows[0]!;
    assert.equal(row.status, 'dispatched', 'the honest user\'s call is dialled in the first run');
    assert.equal(row.late_ms, 1000, 'one dial second after the flood\'s first row: one second per user with a call due');
    assert.equal(twilio.dials.get(row.call_id!), 1);
    const pending = await db.query<{ n: number }>(
      `select count(*)::int as n from public.scheduled_calls where user_id = $1 and status = 'pending'`, [flooder]);
    assert.equal(pending.rows[0]!.n, 910, 'the rest of the flood waits for later runs');
  } finally {
    await cleanUp([flooder!, honest!]);
  }
}});

Deno.test({ ...opts, name: 'the function accepts the stack\'s secret key and refuses its publishable key', fn: async () => {
  // The keys as the platform hands them to the function (SUPABASE_SECRET_KEYS, SUPABASE_PUBLISHABLE_KEYS, …).
  const authorize = serviceCallerCheck(serviceCallerKeysFrom());
  const deps = {
    store: postgresScheduleStore(db), clock: clockAt(farMinute(2034)), config: config(['00000000-0000-4000-8000-000000000000']),
    placeCall: () => Promise.reject(new Error('nothing is due')), authorize, background: () => undefined
  };
  const post = (apikey: string) => new Request('http://x/', { method: 'POST', headers: { apikey } });
  assert.equal((await handleDispatch(post(stackEnv('PUBLISHABLE_KEY')), deps)).status, 403);
  assert.equal((await handleDispatch(post(`${stackEnv('SECRET_KEY')}-wrong`), deps)).status, 401);
  const ok = await handleDispatch(post(stackEnv('SECRET_KEY')), deps);
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { claimed: 0, missed: 0, next_created: 0 });
}});

Deno.test({ ...opts, name: 'a booking with a persona of the user\'s own is dialled with it; once the persona is deleted it is not', fn: async () => {
  const ids = await users(2, 'sched-own');
  try {
    const persona = async (owner: string) => (await db.query<{ id: string }>(
      `insert into public.personas (owner_id, name, voice_id, description, system_prompt)
       values ($1, 'Nova', '21m00Tcm4TlvDq8ikWAM', 'calm', 'A calm astronaut.') returning id`, [owner])).rows[0]!.id;
    const kept = await persona(ids[0]!);
    const deleted = await persona(ids[1]!);
    const due = farMinute(2033);
    await db.query(
      `insert into public.scheduled_calls (user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time)
       select u, p, (select id from public.user_phone_numbers n where n.user_id = u), $3, 'UTC', '07:00'
         from unnest($1::uuid[], $2::uuid[]) as b(u, p)`, [ids, [kept, deleted], due]);
    await db.query('update public.personas set deleted_at = now() where id = $1', [deleted]);
    const twilio = countingTwilio();
    const run = await dispatchDueCalls({
      store: postgresScheduleStore(db), clock: clockAt(new Date(due.getTime() - 1000)), config: config(ids),
      placeCall: (req) => placeCall(req, placeDeps(db, twilio))
    });
    await run.dials;
    const rows = await db.query<{ persona_id: string; status: string; call_persona: string | null }>(
      `select s.persona_id, s.status, c.persona_id as call_persona
         from public.scheduled_calls s left join public.calls c on c.scheduled_call_id = s.id
        where s.user_id = any($1::uuid[]) order by s.persona_id = $2 desc`, [ids, kept]);
    assert.deepEqual(rows.rows.map((r) => [r.persona_id, r.status, r.call_persona]), [
      [kept, 'dispatched', kept],
      [deleted, 'failed', null]
    ]);
    assert.equal(twilio.dials.size, 1);
  } finally {
    await cleanUp(ids);
  }
}});

Deno.test({ ...opts, name: 'close the pools', fn: async () => {
  await Promise.all(pools.map((p) => p.end()));
}});
