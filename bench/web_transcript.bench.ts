// Live transcript: a segment row inserted with pg until its line is in the live call page (/calls/<id>, realtime
// postgres_changes), against the same insert seen by a plain supabase-js subscriber in Node (same user, same filter)
// in the same run. Both are timed from just before the autocommit insert is sent. The page notes the moment with a
// MutationObserver on the transcript (performance.timeOrigin + performance.now()); the page's clock is set against
// this process's by the round trip with the smallest delay, before and after the inserts.
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import { stack } from '../devstack/src/testing/stack_env.ts';
import { ms, summary } from './stats.ts';
import { createUser, launchChromium, PERSONA_ID, signIn, snapshotBuild, startWeb, type BenchUser } from './web_app.ts';

const INSERTS = Number(process.env.BENCH_N ?? 40);
const WARMUP = 3;
const TARGET_P95_MS = 150;
const MARK = 'Benchmark line #';

declare global {
  interface Window { __benchSeen?: (seq: number, at: number) => void }
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

const app = snapshotBuild();
const db = new pg.Client({ connectionString: stack.dbUrl });
const subscriber = createClient(stack.apiUrl, stack.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
let web: Awaited<ReturnType<typeof startWeb>> | null = null;
let user: BenchUser | null = null;
let browser: Awaited<ReturnType<typeof launchChromium>> | null = null;
try {
  await db.connect();
  web = await startWeb(app);
  user = await createUser('transcript');
  const { rows } = await db.query<{ id: string }>(
    `insert into public.calls (user_id, persona_id, mode, phone_number, status, payment_method, max_duration_seconds,
                               estimated_cost_cents, dialed_at)
     values ($1, $2, 'phone', '+14155550100', 'in_progress', 'demo', 900, 120, now()) returning id`,
    [user.id, PERSONA_ID]
  );
  const callId = rows[0]!.id;

  // Arrival times by seq, for the page and for the Node subscriber.
  const inPage = new Map<number, number>();
  const inNode = new Map<number, number>();
  let waiter: { seq: number; done: () => void } | null = null;
  const arrived = (seq: number) => {
    if (waiter?.seq === seq && inPage.has(seq) && inNode.has(seq)) waiter.done();
  };

  const signedIn = await subscriber.auth.signInWithPassword({ email: user.email, password: user.password });
  if (signedIn.error) throw new Error(`The Node subscriber could not sign in: ${signedIn.error.message}`);
  const channel = subscriber
    .channel(`bench-transcript:${callId}`)
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'call_transcript_segments', filter: `call_id=eq.${callId}` }, (p) => {
      const at = now();
      const seq = Number((p.new as { seq: number }).seq);
      if (!inNode.has(seq)) inNode.set(seq, at);
      arrived(seq);
    });
  await new Promise<void>((resolve, reject) => {
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') resolve();
      else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(new Error(`Node subscriber: ${status} ${err?.message ?? ''}`));
    });
  });

  browser = await launchChromium();
  const page = await (await browser.newContext()).newPage();
  await page.exposeFunction('__benchSeen', (seq: number, at: number) => {
    if (!inPage.has(seq)) inPage.set(seq, at);
    arrived(seq);
  });
  await signIn(page, web.url, user);
  await page.goto(`${web.url}/calls/${callId}`);
  await page.locator('.conn.live').waitFor({ timeout: 15_000 });
  await sleep(500); // the page refetches once on subscribing; let that settle
  await page.evaluate((mark) => {
    const log = document.querySelector('[role="log"][aria-label="Transcript"]');
    if (!log) throw new Error('No transcript log on the call page.');
    const reported = new Set<number>();
    new MutationObserver(() => {
      const at = performance.timeOrigin + performance.now();
      for (const line of log.querySelectorAll('.line')) {
        const i = line.textContent?.indexOf(mark) ?? -1;
        if (i < 0) continue;
        const seq = Number.parseInt(line.textContent!.slice(i + mark.length), 10);
        if (!reported.has(seq)) {
          reported.add(seq);
          window.__benchSeen!(seq, at);
        }
      }
    }).observe(log, { childList: true, subtree: true, characterData: true });
  }, MARK);

  /** Offset of the page's clock from ours, from the round trip with the smallest delay. */
  const clockOffset = async () => {
    let best = { rtt: Infinity, offset: 0 };
    for (let i = 0; i < 30; i++) {
      const t0 = now();
      const pageAt = await page.evaluate(() => performance.timeOrigin + performance.now());
      const t1 = now();
      if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: pageAt - (t0 + t1) / 2 };
    }
    return best;
  };
  const before = await clockOffset();

  const sentAt = new Map<number, number>();
  const ackMs: number[] = [];
  for (let seq = 0; seq < WARMUP + INSERTS; seq++) {
    const done = new Promise<void>((resolve) => (waiter = { seq, done: resolve }));
    const t0 = now();
    sentAt.set(seq, t0);
    await db.query(
      `insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text, start_ms, end_ms)
       values ($1, $2, $3, $4, $5, $3 * 3000, $3 * 3000 + 2500)`,
      [callId, user.id, seq, seq % 2 ? 'user' : 'persona', `${MARK}${seq} — and a few more words, as people say them.`]
    );
    ackMs.push(now() - t0);
    arrived(seq);
    const late = await Promise.race([done.then(() => false), sleep(5_000).then(() => true)]);
    if (late) throw new Error(`Segment ${seq}: page ${inPage.has(seq) ? 'saw it' : 'did not see it'}, Node subscriber ${inNode.has(seq) ? 'saw it' : 'did not see it'} within 5 s.`);
    waiter = null;
    await sleep(100 + Math.random() * 150); // spaced like speech turns, off any fixed rhythm
  }
  const after = await clockOffset();
  const offset = (before.offset + after.offset) / 2;

  const measured = [...sentAt.keys()].filter((s) => s >= WARMUP);
  const pageLatency = measured.map((s) => inPage.get(s)! - offset - sentAt.get(s)!);
  const nodeLatency = measured.map((s) => inNode.get(s)! - sentAt.get(s)!);
  const p = summary(pageLatency);
  const n = summary(nodeLatency);
  const ack = summary(ackMs.slice(WARMUP));
  console.log(`bench web-transcript: segment insert (pg, autocommit) -> line in the live call page, ${INSERTS} inserts (after ${WARMUP} warm-up)`);
  console.log(`  baseline: supabase-js subscriber in Node   p50 ${ms(n.p50).padStart(10)}  p95 ${ms(n.p95).padStart(10)}  max ${ms(n.max)}`);
  console.log(`  live call page (MutationObserver)          p50 ${ms(p.p50).padStart(10)}  p95 ${ms(p.p95).padStart(10)}  max ${ms(p.max)}   target p95 <= ${TARGET_P95_MS} ms: ${p.p95 <= TARGET_P95_MS ? 'ok' : 'OVER'}`);
  console.log(`  page over baseline at p50 ${ms(p.p50 - n.p50)}; insert acknowledged after p50 ${ms(ack.p50)}; page clock offset ${ms(before.offset)} -> ${ms(after.offset)} (best round trips ${ms(before.rtt)}, ${ms(after.rtt)})`);
} finally {
  await subscriber.removeAllChannels().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await web?.stop();
  // Deleting the account removes the call and its transcript by cascade.
  await user?.remove().catch((e) => console.error(String(e)));
  await db.end().catch(() => undefined);
  app.remove();
}
process.exit(0);
