// Realtime postgres_changes latency through the running gateway: a row insert until a supabase-js subscriber
// receives it, with 1 subscriber and with 500 (each its own user, socket and RLS identity), next to the raw
// LISTEN/NOTIFY round trip of the same database measured in the same run.
//   owner-only: every subscriber listens to the whole table, RLS lets only the row's owner see it, so each
//               insert costs 500 visibility checks and one delivery.
//   fan-out:    RLS lets every subscriber see the row: 500 checks and 500 deliveries per insert.
import { randomUUID } from 'node:crypto';
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import { signHs256 } from '../devstack/src/keys.ts';
import { stack } from '../devstack/src/testing/stack_env.ts';

const SUBSCRIBERS = 500;
const SAMPLES = 100;
const TARGET_P95_MS = 50;
const table = `bench_rt_${Date.now().toString(36)}`;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

function line(label: string, xs: number[], target = false): string {
  const p50 = percentile(xs, 50);
  const p95 = percentile(xs, 95);
  const verdict = target ? `   target p95 <= ${TARGET_P95_MS} ms   ${p95 <= TARGET_P95_MS ? 'ok' : 'OVER'}` : '';
  return `  ${label.padEnd(46)} p50 ${p50.toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms   (n=${xs.length})${verdict}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Subscriber {
  id: string;
  client: SupabaseClient;
  channel: RealtimeChannel;
}

/** Pending measurement: resolves when `expected` deliveries of row `seq` have arrived. */
let nextSeq = 1;
let pending: { seq: number; t0: number; expected: number; latencies: number[]; done: () => void } | null = null;

function onRow(payload: { new: Record<string, unknown> }): void {
  const now = performance.now();
  const p = pending;
  if (!p || payload.new.seq !== p.seq) return;
  p.latencies.push(now - p.t0);
  if (p.latencies.length >= p.expected) p.done();
}

async function subscribe(userId: string): Promise<Subscriber> {
  const now = Math.floor(Date.now() / 1000);
  const token = signHs256({ aud: 'authenticated', exp: now + 3600, iat: now, sub: userId, role: 'authenticated' }, stack.jwtSecret);
  const client = createClient(stack.apiUrl, stack.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    accessToken: async () => token
  });
  await client.realtime.setAuth();
  const channel = client.channel(`bench-${userId}`);
  channel.on('postgres_changes', { event: 'INSERT', schema: 'public', table }, onRow);
  await new Promise<void>((resolve, reject) => {
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') resolve();
      else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(new Error(`${status}: ${err?.message ?? ''}`));
    });
  });
  return { id: userId, client, channel };
}

async function measureInserts(db: pg.Pool, owners: () => string, expected: number, samples: number): Promise<number[]> {
  const all: number[] = [];
  for (let i = 0; i < samples; i++) {
    const seq = nextSeq++;
    const latencies: number[] = [];
    const arrived = new Promise<void>((resolve) => {
      pending = { seq, t0: performance.now(), expected, latencies, done: resolve };
    });
    pending!.t0 = performance.now();
    await db.query(`insert into public.${table} (owner, seq) values ($1, $2)`, [owners(), seq]);
    const timeout = sleep(3_000).then(() => 'timeout');
    if ((await Promise.race([arrived, timeout])) === 'timeout') {
      throw new Error(`row ${seq}: ${latencies.length} of ${expected} deliveries within 3 s`);
    }
    all.push(...latencies);
    pending = null;
    await sleep(5);
  }
  return all;
}

async function listenNotifyBaseline(samples: number): Promise<number[]> {
  const listener = new pg.Client({ connectionString: stack.dbUrl });
  const notifier = new pg.Client({ connectionString: stack.dbUrl });
  await Promise.all([listener.connect(), notifier.connect()]);
  await listener.query(`listen ${table}`);
  const out: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      const got = new Promise<void>((resolve) => listener.once('notification', () => resolve()));
      await notifier.query('select pg_notify($1, $2)', [table, String(i)]);
      await got;
      out.push(performance.now() - t0);
    }
  } finally {
    await Promise.all([listener.end(), notifier.end()]);
  }
  return out;
}

const db = new pg.Pool({ connectionString: stack.dbUrl, max: 4 });
const subscribers: Subscriber[] = [];
const emailTag = `bench-rt-${randomUUID().slice(0, 8)}`;
try {
  await db.query(`
    create table public.${table} (id bigserial primary key, owner uuid not null, seq int not null, body text default 'hello');
    alter table public.${table} enable row level security;
    create policy owner_reads on public.${table} for select to authenticated using (owner = auth.uid());
    alter publication supabase_realtime add table public.${table};`);
  const { rows } = await db.query<{ id: string }>(
    `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
     select gen_random_uuid(), 'authenticated', 'authenticated', $1 || '-' || g || '@example.test', now(), '{}', '{}', now(), now()
     from generate_series(1, $2) g returning id`,
    [emailTag, SUBSCRIBERS]
  );
  const userIds = rows.map((r) => r.id);

  const baseline = await listenNotifyBaseline(SAMPLES);

  subscribers.push(await subscribe(userIds[0]!));
  await sleep(200);
  const single = await measureInserts(db, () => userIds[0]!, 1, SAMPLES);

  for (let i = 1; i < userIds.length; i += 50) {
    subscribers.push(...(await Promise.all(userIds.slice(i, i + 50).map((id) => subscribe(id)))));
  }
  await sleep(500);
  let k = 0;
  const ownerOnly = await measureInserts(db, () => userIds[k++ % userIds.length]!, 1, SAMPLES);

  await db.query(`create policy everyone_reads on public.${table} for select to authenticated using (auth.uid() is not null)`);
  await sleep(2_500); // let cached table metadata expire
  const fanOut = await measureInserts(db, () => userIds[0]!, SUBSCRIBERS, Math.max(20, SAMPLES / 5));

  console.log(`bench realtime-latency (row insert -> supabase-js postgres_changes callback, gateway ${stack.apiUrl})`);
  console.log(line('baseline: raw LISTEN/NOTIFY round trip', baseline));
  console.log(line('1 subscriber', single));
  console.log(line(`${SUBSCRIBERS} subscribers, owner-only RLS (1 delivery)`, ownerOnly, true));
  console.log(line(`${SUBSCRIBERS} subscribers, fan-out (${SUBSCRIBERS} deliveries)`, fanOut, true));
} finally {
  pending = null;
  await Promise.all(subscribers.map((s) => s.client.removeAllChannels().catch(() => undefined)));
  await db.query(`drop table if exists public.${table}`).catch(() => undefined);
  await db.query(`delete from auth.users where email like $1`, [`${emailTag}-%`]).catch(() => undefined);
  await db.end();
}
process.exit(0);
