// Call history with 1,000 calls: a full navigation to /calls until the first page of rows is on screen, against a
// navigation to the terms page (which reads no calls; a signed-in user's / is the dashboard) measured the same way,
// interleaved, in the same run.
// Both are timed inside Chromium from the navigation's start (performance.timeOrigin): a MutationObserver notes when
// the awaited elements exist, and the next animation frame (rendering is held back until the stylesheet is in) is
// taken as the moment they are visible.
import pg from 'pg';
import { stack } from '../devstack/src/testing/stack_env.ts';
import { ms, summary } from './stats.ts';
import { createUser, launchChromium, PERSONA_ID, signIn, snapshotBuild, startWeb, visibleTimer, type BenchUser } from './web_app.ts';

const CALLS = 1_000;
const PAGE_ROWS = 10;
const N = Number(process.env.BENCH_N ?? 10);
const WARMUP = 2;
const TARGET_P95_MS = 300;

// What "the page is there" means for each path: a selector and how many matches.
const AWAIT: Record<string, [string, number]> = {
  '/calls': ['ul[aria-label="Calls"] > li', PAGE_ROWS],
  '/terms': ['main h1', 1]
};

async function seedCalls(db: pg.Client, userId: string): Promise<void> {
  // A year of history: mostly completed calls, some unanswered or failed, phone and browser, demo and credits.
  await db.query(
    `insert into public.calls (user_id, persona_id, mode, phone_number, status, payment_method, payment_status,
                               max_duration_seconds, estimated_cost_cents, reserved_credits, actual_cost_cents,
                               credits_used, duration_seconds, end_reason, created_at, dialed_at, answered_at, ended_at)
     select $1, $2, s.mode, case when s.mode = 'phone' then '+1415555' || (1000 + g % 9000)::text end, s.status,
            s.pay, case when s.pay = 'credits' then 'settled' else 'released' end, 900, 120,
            case when s.pay = 'credits' then 120 else 0 end,
            case when s.status = 'completed' then 2 + s.secs / 20 else 0 end,
            case when s.status = 'completed' and s.pay = 'credits' then 2 + s.secs / 20 else 0 end,
            case when s.status = 'completed' then s.secs end,
            case s.status when 'completed' then 'persona_hung_up' when 'no_answer' then 'no_answer' else 'provider_error' end,
            s.t0, s.t0 + interval '1 second',
            case when s.status = 'completed' then s.t0 + interval '8 seconds' end,
            case when s.status = 'completed' then s.t0 + interval '8 seconds' + make_interval(secs => s.secs) else s.t0 + interval '30 seconds' end
     from generate_series(1, $3::int) g
     cross join lateral (select
       case when g % 3 = 0 then 'browser' else 'phone' end as mode,
       case when g % 10 = 7 then 'no_answer' when g % 25 = 3 then 'failed' else 'completed' end as status,
       case when g % 4 = 0 then 'credits' else 'demo' end as pay,
       now() - g * interval '8 hours 45 minutes' as t0,
       30 + (g * 37) % 570 as secs) s`,
    [userId, PERSONA_ID, CALLS]
  );
  await db.query(
    `insert into public.call_cost_breakdowns (call_id, user_id, twilio_usd, deepgram_usd, cerebras_usd, elevenlabs_usd, event_count, billed_credits)
     select id, user_id, duration_seconds * 0.00023, duration_seconds * 0.0001, duration_seconds * 0.00002,
            duration_seconds * 0.0006, 6, actual_cost_cents
     from public.calls where user_id = $1 and status = 'completed'`,
    [userId]
  );
}

const app = snapshotBuild();
const db = new pg.Client({ connectionString: stack.dbUrl });
let web: Awaited<ReturnType<typeof startWeb>> | null = null;
let user: BenchUser | null = null;
let browser: Awaited<ReturnType<typeof launchChromium>> | null = null;
try {
  await db.connect();
  web = await startWeb(app);
  user = await createUser('history');
  await seedCalls(db, user.id);
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from public.calls where user_id = $1', [user.id]);
  if (rows[0]!.n !== CALLS) throw new Error(`Seeded ${rows[0]!.n} calls instead of ${CALLS}.`);

  browser = await launchChromium();
  const { page, visit } = await visibleTimer(browser, web.url, AWAIT);
  await signIn(page, web.url, user);

  const calls: { dom: number; frame: number; ttfb: number }[] = [];
  const landing: typeof calls = [];
  for (let i = 0; i < WARMUP + N; i++) {
    const l = await visit('/terms');
    const c = await visit('/calls');
    if (i >= WARMUP) { landing.push(l); calls.push(c); }
  }
  const rowsShown = await page.locator(AWAIT['/calls']![0]).count();
  const totalShown = await page.getByText(`${CALLS} calls`).count();
  if (rowsShown !== PAGE_ROWS || totalShown !== 1) throw new Error(`/calls showed ${rowsShown} rows (total shown: ${totalShown}).`);

  const row = (label: string, xs: typeof calls, target = false) => {
    const v = summary(xs.map((x) => x.frame));
    const t = summary(xs.map((x) => x.ttfb));
    const verdict = target ? `   target p95 <= ${TARGET_P95_MS} ms: ${v.p95 <= TARGET_P95_MS ? 'ok' : 'OVER'}` : '';
    return `  ${label.padEnd(44)} visible p50 ${ms(v.p50).padStart(10)}  p95 ${ms(v.p95).padStart(10)}   (first byte p50 ${ms(t.p50)})${verdict}`;
  };
  console.log(`bench web-history: full navigation until visible, ${CALLS} calls for one user, ${N} navigations each (after ${WARMUP} warm-up)`);
  console.log(row('baseline: terms page /terms (reads no calls)', landing));
  console.log(row(`call history /calls (first ${PAGE_ROWS} rows)`, calls, true));
  const diff = summary(calls.map((c) => c.frame)).p50 - summary(landing.map((l) => l.frame)).p50;
  console.log(`  history costs ${ms(diff)} more than the baseline at p50`);
} finally {
  await browser?.close().catch(() => undefined);
  await web?.stop();
  // Deleting the account removes its calls and cost rows by cascade.
  await user?.remove().catch((e) => console.error(String(e)));
  await db.end().catch(() => undefined);
  app.remove();
}
