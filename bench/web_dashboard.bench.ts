// The dashboard with 10,000 calls for one user, all in the last 30 days (the most its charts ever aggregate), with
// their cost events and answer times: a full navigation to /dashboard until its four charts are on screen, against a
// navigation to the terms page (which reads no calls) measured the same way, interleaved, in the same run.
// Timed inside Chromium from the navigation's start, as web_history does: a MutationObserver notes when the awaited
// elements exist and the next animation frame is taken as the moment they are visible. Several rounds; each
// round's p95 is a run, and the median of the runs is printed with their spread.
import pg from 'pg';
import { stack } from '../devstack/src/testing/stack_env.ts';
import { medianOfRuns, ms, msSpread, summary } from './stats.ts';
import { createUser, launchChromium, PERSONA_ID, signIn, snapshotBuild, startWeb, visibleTimer } from './web_app.ts';

const CALLS = 10_000;
const N = Number(process.env.BENCH_N ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = 2;
const TARGET_P95_MS = 300;

const AWAIT: Record<string, [string, number]> = {
  '/dashboard': ['figure.chart svg', 4],
  '/terms': ['main h1', 1]
};

async function seed(db: pg.Client, userId: string): Promise<void> {
  // One call every 4 min 10 s back from now: 29 days. Mostly completed (with usage and answer times), some not
  // answered; a quarter paid by card so the month's spend is not zero.
  await db.query(
    `insert into public.calls (user_id, persona_id, mode, status, payment_method, payment_status, payment_intent_id,
                               max_duration_seconds, estimated_cost_cents, actual_cost_cents, duration_seconds,
                               end_reason, created_at, dialed_at, answered_at, ended_at)
     select $1, $2, 'browser', s.status::public.call_status, s.pay,
            case when s.pay = 'card' then 'settled' else 'released' end,
            case when s.pay = 'card' then 'pi_benchdash' || g end, 900, 120,
            case when s.pay = 'card' then 2 + s.secs / 20 end,
            case when s.status = 'completed' then s.secs end,
            (case when s.status = 'completed' then 'persona_hung_up' else 'no_answer' end)::public.call_end_reason,
            s.t0, s.t0, case when s.status = 'completed' then s.t0 + interval '5 seconds' end,
            s.t0 + interval '5 seconds' + make_interval(secs => s.secs)
     from generate_series(1, $3::int) g
     cross join lateral (select
       case when g % 10 = 7 then 'no_answer' else 'completed' end as status,
       case when g % 4 = 0 then 'card' else 'demo' end as pay,
       now() - g * interval '250 seconds' as t0,
       30 + (g * 37) % 570 as secs) s`,
    [userId, PERSONA_ID, CALLS]
  );
  await db.query(
    `insert into public.call_cost_events (call_id, user_id, service, event_type, duration_seconds, characters,
                                          tokens_input, tokens_output, cost_usd, idempotency_key, occurred_at)
     select c.id, c.user_id, e.service, e.event_type,
            case when e.service in ('twilio', 'deepgram') then c.duration_seconds end,
            case when e.service = 'elevenlabs' then c.duration_seconds * 12 end,
            case when e.service = 'cerebras' then c.duration_seconds * 40 end,
            case when e.service = 'cerebras' then c.duration_seconds * 5 end,
            c.duration_seconds * e.per_second, c.id || ':' || e.service, c.ended_at
       from public.calls c
      cross join (values ('twilio', 'voice_minutes', 0.00023), ('deepgram', 'stt_audio', 0.0001),
                         ('cerebras', 'llm_completion', 0.00002), ('elevenlabs', 'tts_characters', 0.0006))
                 e(service, event_type, per_second)
      where c.user_id = $1 and c.status = 'completed'`,
    [userId]
  );
  await db.query(
    `insert into public.call_turn_latencies (call_id, user_id, turn, voice_to_voice_ms)
     select c.id, c.user_id, t, 450 + (abs(hashtext(c.id::text || t)) % 900)
       from public.calls c cross join generate_series(1, 6) t
      where c.user_id = $1 and c.status = 'completed'`,
    [userId]
  );
  // As autovacuum would have left them: statistics in, visibility map set (index-only scans).
  await db.query('vacuum analyze public.calls, public.call_cost_events, public.call_turn_latencies');
}

const app = snapshotBuild();
const db = new pg.Client({ connectionString: stack.dbUrl });
const running: { web?: Awaited<ReturnType<typeof startWeb>>; user?: Awaited<ReturnType<typeof createUser>>; browser?: Awaited<ReturnType<typeof launchChromium>> } = {};
try {
  await db.connect();
  const web = (running.web = await startWeb(app));
  const user = (running.user = await createUser('dashboard'));
  await seed(db, user.id);
  const { rows } = await db.query<{ n: number; e: number; l: number }>(
    `select (select count(*)::int from public.calls where user_id = $1) as n,
            (select count(*)::int from public.call_cost_events where user_id = $1) as e,
            (select count(*)::int from public.call_turn_latencies where user_id = $1) as l`, [user.id]);
  if (rows[0]!.n !== CALLS) throw new Error(`Seeded ${rows[0]!.n} calls instead of ${CALLS}.`);

  const browser = (running.browser = await launchChromium());
  const { page, visit } = await visibleTimer(browser, web.url, AWAIT);
  await signIn(page, web.url, user);

  for (let i = 0; i < WARMUP; i++) { await visit('/terms'); await visit('/dashboard'); }
  const runs = { dash: [] as number[], base: [] as number[], dashP50: [] as number[], ttfb: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    const dash: number[] = [];
    const base: number[] = [];
    const ttfb: number[] = [];
    for (let i = 0; i < N; i++) {
      base.push((await visit('/terms')).frame);
      const d = await visit('/dashboard');
      dash.push(d.frame);
      ttfb.push(d.ttfb);
    }
    runs.dash.push(summary(dash).p95);
    runs.dashP50.push(summary(dash).p50);
    runs.base.push(summary(base).p95);
    runs.ttfb.push(summary(ttfb).p50);
  }
  // The page shows what was seeded: all 10,000 calls in the last 30 days.
  const shown = (await page.getByTestId('activity-totals').locator('dd').first().textContent())?.trim();
  if (shown !== String(CALLS)) throw new Error(`/dashboard showed ${shown} calls in the last 30 days, not ${CALLS}.`);

  const dash = medianOfRuns(runs.dash);
  const base = medianOfRuns(runs.base);
  console.log(`bench web-dashboard: full navigation until the four charts are visible; ${CALLS} calls in the last 30 days for one user ` +
    `(${rows[0]!.e} cost events, ${rows[0]!.l} answer times); ${ROUNDS} runs of ${N} navigations each (after ${WARMUP} warm-up)`);
  console.log(`  baseline: terms page /terms (reads no calls)   visible p95 ${msSpread(base)}`);
  console.log(`  dashboard /dashboard                          visible p95 ${msSpread(dash)}   p50 ${ms(medianOfRuns(runs.dashP50).median)}` +
    `  (first byte p50 ${ms(medianOfRuns(runs.ttfb).median)})`);
  console.log(`  dashboard costs ${ms(dash.median - base.median)} more than the baseline at p95;` +
    ` target p95 <= ${TARGET_P95_MS} ms: ${dash.median <= TARGET_P95_MS ? 'met' : 'NOT met'}`);
} finally {
  await running.browser?.close().catch(() => undefined);
  await running.web?.stop();
  // Deleting the account removes its calls, cost events and answer times by cascade.
  await running.user?.remove().catch((e) => console.error(String(e)));
  await db.end().catch(() => undefined);
  app.remove();
}
