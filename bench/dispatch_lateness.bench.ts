// Scheduled-call dispatch lateness: 200 calls due at the same second, one dispatcher run (claim, pace, placeCall
// with every check against devstack's Postgres; Twilio's Calls.create is a recording fake so the carrier's own
// latency is not counted). Lateness = moment Calls.create is sent − scheduled time. Printed beside the minimum the
// calls-per-second pace itself implies for the same calls (call i cannot go before i / cps), measured in the same run.
// Then the "call now" path in demo mode: placeCall end to end with the Twilio stand-in, p50/p95, beside a bare
// database round trip in the same run.
import pg from 'pg';
import { DEFAULT_DISPATCH_CONFIG, dispatchDueCalls, type Clock } from '../edge-functions/dispatch-scheduled-calls/dispatcher.ts';
import { postgresScheduleStore } from '../edge-functions/dispatch-scheduled-calls/schedule_store.ts';
import { DEFAULT_CALL_LIMITS, placeCall, type PlaceCallDeps } from '../edge-functions/_shared/place_call.ts';
import { twilioClient, type CreateCallParams } from '../edge-functions/_shared/twilio_client.ts';
import { stackStatus } from '../devstack/src/stack.ts';
import { stack } from '../devstack/src/testing/stack_env.ts';
import { summary } from './stats.ts';

const CALLS = Number(process.env.BENCH_DISPATCH_CALLS ?? 200);
const CPS = Number(process.env.BENCH_DISPATCH_CPS ?? 50);
const CREATE_CALLS = Number(process.env.BENCH_CALLS_CREATE ?? 40);
const PERSONA = 'a0000000-0000-4000-8000-000000000001';
const status = stackStatus();

const db = new pg.Pool({ connectionString: stack.dbUrl, max: 8 });
await db.query('set client_min_messages = warning');
const tag = `dispatch-bench-${Date.now().toString(36)}`;

async function makeUsers(n: number, number: string): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
     select gen_random_uuid(), 'authenticated', 'authenticated', $1 || '-' || g || '@example.test', now(), '{"provider":"email"}', '{}'
       from generate_series(1, $2) g returning id`, [`${tag}-${number.slice(-4)}`, n]);
  const ids = r.rows.map((x) => x.id);
  await db.query(`insert into public.user_phone_numbers (user_id, phone_number, country_code) select u, $2, 'US' from unnest($1::uuid[]) u`, [ids, number]);
  return ids;
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const users: string[] = [];
try {
  // --- dispatch lateness ------------------------------------------------------------------------------------------
  const dispatchUsers = await makeUsers(CALLS, '+14155550125');
  users.push(...dispatchUsers);
  // A random minute far ahead: the stack's own cron-driven dispatcher never sees these rows as due.
  const due = new Date(Date.UTC(2035, 0, 1) + Math.floor(Math.random() * 300 * 1440) * 60_000);
  await db.query(
    `insert into public.scheduled_calls (user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time)
     select u, $2, (select id from public.user_phone_numbers n where n.user_id = u), $3, 'UTC', '07:00' from unnest($1::uuid[]) u`,
    [dispatchUsers, PERSONA, due]);
  const offset = due.getTime() - 2000 - Date.now();
  const clock: Clock = {
    now: () => new Date(Date.now() + offset),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    claimTime: () => new Date(Date.now() + offset)
  };
  const sent: number[] = [];
  const fakeTwilio = {
    createCall(_p: CreateCallParams) {
      sent.push(Date.now() + offset - due.getTime());
      return Promise.resolve({ sid: `CA${crypto.randomUUID().replace(/-/g, '')}`, status: 'queued', duration: null });
    }
  };
  const deps: PlaceCallDeps = { db, twilio: fakeTwilio, publicApiUrl: 'http://127.0.0.1:9', twilioFromNumber: '+15005550006', demoMode: false };
  const run = await dispatchDueCalls({
    store: postgresScheduleStore(db), clock,
    config: { ...DEFAULT_DISPATCH_CONFIG, callsPerSecond: CPS, onlyUserIds: dispatchUsers, horizonSeconds: Math.max(90, CALLS / CPS + 5) },
    placeCall: (req) => placeCall(req, deps)
  });
  const dials = await run.dials;
  const measured = summary(sent);
  const paceFloor = summary(Array.from({ length: sent.length }, (_, i) => (i / CPS) * 1000));
  console.log(`${CALLS} calls due at the same second, pace ${CPS} calls/s: ${dials.dispatched} dialled, ${dials.failed} refused, ${run.claim.missed} missed`);
  console.log('                      p50        p95        max');
  console.log(`measured lateness   ${fmt(measured.p50)}   ${fmt(measured.p95)}   ${fmt(measured.max)}`);
  console.log(`pace minimum        ${fmt(paceFloor.p50)}   ${fmt(paceFloor.p95)}   ${fmt(paceFloor.max)}`);
  console.log(`overhead (p95)      ${fmt(measured.p95 - paceFloor.p95)}   (ratio ${(measured.p95 / Math.max(1, paceFloor.p95)).toFixed(3)})`);
  if (dials.dispatched !== CALLS) process.exitCode = 1;

  // --- "call now" in demo mode ------------------------------------------------------------------------------------
  // The stand-in answers this number busy, so each call ends at once and its user is free again.
  const createUsers = await makeUsers(CREATE_CALLS, '+12025550110');
  users.push(...createUsers);
  const standIn = twilioClient({
    accountSid: String(status.TWILIO_ACCOUNT_SID), authToken: String(status.TWILIO_AUTH_TOKEN),
    apiBase: String(status.TWILIO_API_BASE), verifyBase: String(status.TWILIO_API_BASE), verifyServiceSid: String(status.TWILIO_VERIFY_SERVICE_SID)
  });
  // The dial pace is lifted so the figure is placeCall's own work; waiting for a paced second is what the
  // lateness figures above measure.
  const demoDeps: PlaceCallDeps = {
    db, twilio: standIn, publicApiUrl: 'http://127.0.0.1:9', twilioFromNumber: String(status.TWILIO_FROM_NUMBER), demoMode: true,
    limits: { ...DEFAULT_CALL_LIMITS, callsPerSecond: 1000 }
  };
  const numbers = await db.query<{ user_id: string; id: string }>('select user_id, id from public.user_phone_numbers where user_id = any($1::uuid[])', [createUsers]);
  const latencies: number[] = [];
  const roundTrips: number[] = [];
  for (const n of numbers.rows) {
    let t0 = performance.now();
    await db.query('select 1');
    roundTrips.push(performance.now() - t0);
    t0 = performance.now();
    const r = await placeCall({ userId: n.user_id, personaId: PERSONA, mode: 'phone', phoneNumberId: n.id, paymentMethod: 'demo', maxDurationMinutes: 1 }, demoDeps);
    latencies.push(performance.now() - t0);
    if (!r.ok) throw new Error(`call now was refused: ${r.error.message}`);
  }
  const c = summary(latencies);
  const b = summary(roundTrips);
  console.log(`\ncall now (demo mode, Twilio stand-in), ${latencies.length} calls`);
  console.log('                      p50         p95');
  console.log(`placeCall           ${c.p50.toFixed(1)} ms    ${c.p95.toFixed(1)} ms`);
  console.log(`db round trip       ${b.p50.toFixed(2)} ms    ${b.p95.toFixed(2)} ms   (placeCall p50 = ${(c.p50 / b.p50).toFixed(1)} round trips)`);
} finally {
  if (users.length) {
    await db.query('delete from public.scheduled_calls where user_id = any($1::uuid[])', [users]);
    await db.query('delete from auth.users where id = any($1::uuid[])', [users]);
  }
  await db.end();
}
