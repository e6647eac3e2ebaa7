// Credit reservations per second with 32 clients: all against one user (every reservation waits for the user's
// row lock, the worst case) and spread over 1,000 users; beside a pgbench baseline in the same run on the same
// database: 32 clients doing single-row `update ... set n = n + 1`, on one row and spread over 1,000 rows. Prints
// both, the ratio, and the number of invariant violations afterwards (must be 0).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { LedgerClient } from '../devstack/src/money/ledger_client.ts';
import { stack } from '../devstack/src/testing/stack_env.ts';

const CLIENTS = 32;
const USERS = 1000;
const CONTENDED_OPS = Number(process.env.BENCH_CONTENDED_OPS ?? 6400);
const SPREAD_OPS = Number(process.env.BENCH_SPREAD_OPS ?? 16000);
const PGBENCH_SECONDS = Number(process.env.BENCH_PGBENCH_SECONDS ?? 8);
const PERSONA = 'a0000000-0000-4000-8000-000000000001';

const admin = new pg.Client({ connectionString: stack.dbUrl });
await admin.connect();
await admin.query('set client_min_messages = warning');
const tag = `ledger-bench-${Date.now().toString(36)}`;

async function setup(): Promise<string[]> {
  const users = await admin.query<{ id: string }>(
    `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
     select gen_random_uuid(), 'authenticated', 'authenticated', $1 || '-' || g || '@example.test', now(), '{"provider":"email"}', '{}'
     from generate_series(1, $2) g returning id`, [tag, USERS]);
  const ids = users.rows.map((r) => r.id);
  await admin.query(
    `update public.user_budget_settings set max_cost_per_call_cents = 300, max_monthly_spend_cents = 2000000000 where user_id = any($1::uuid[])`, [ids]);
  await admin.query('set role service_role');
  await admin.query(
    `select private.grant_credits(u, 1000000, 'adjustment', 'bench:' || u) from unnest($1::uuid[]) u`, [ids]);
  await admin.query('reset role');
  return ids;
}

async function makeCalls(userId: string | null, ids: string[], perUser: number): Promise<Map<string, string[]>> {
  const r = await admin.query<{ id: string; user_id: string }>(
    `insert into public.calls (user_id, persona_id, mode, payment_method, max_duration_seconds)
     select u, $2, 'browser', 'credits', 600
     from unnest($1::uuid[]) u, generate_series(1, $3) returning id, user_id`,
    [userId ? [userId] : ids, PERSONA, perUser]);
  const byUser = new Map<string, string[]>();
  for (const row of r.rows) {
    const list = byUser.get(row.user_id) ?? [];
    list.push(row.id);
    byUser.set(row.user_id, list);
  }
  return byUser;
}

/** Runs `jobs` (user, call) reservations over CLIENTS connections; returns reservations per second. */
async function reserveAll(jobs: [string, string][]): Promise<{ perSecond: number; refused: number }> {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => LedgerClient.connect(stack.dbUrl)));
  let next = 0;
  let refused = 0;
  const t0 = performance.now();
  await Promise.all(clients.map(async (c) => {
    for (let i = next++; i < jobs.length; i = next++) {
      const [user, call] = jobs[i]!;
      try {
        await c.reserve(user, call, 1 + (i % 50), `reserve:${call}`);
      } catch {
        refused++;
      }
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  return { perSecond: (jobs.length - refused) / seconds, refused };
}

function pgbench(rows: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'pgbench-'));
  const script = join(dir, 'update.sql');
  writeFileSync(script, `\\set id random(1, ${rows})\nupdate ledger_bench.counter set n = n + 1 where id = :id;\n`);
  try {
    const out = execFileSync('pgbench', ['-n', '-c', String(CLIENTS), '-j', '2', '-T', String(PGBENCH_SECONDS), '-f', script, stack.dbUrl],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(out) ?? /tps = ([\d.]+)/.exec(out);
    if (!m) throw new Error(`could not read pgbench output:\n${out}`);
    return Number(m[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number) => x.toFixed(0).padStart(8);
let users: string[] = [];
let violations = -1;
try {
  users = await setup();

  // Baseline: same database, same run, same client count.
  await admin.query('create schema if not exists ledger_bench; drop table if exists ledger_bench.counter;'
    + 'create table ledger_bench.counter (id int primary key, n bigint not null default 0);'
    + `insert into ledger_bench.counter (id) select generate_series(1, ${USERS});`);
  const baseOne = pgbench(1);
  const baseSpread = pgbench(USERS);

  const hot = users[0]!;
  const hotCalls = (await makeCalls(hot, users, CONTENDED_OPS)).get(hot)!;
  const contended = await reserveAll(hotCalls.map((c) => [hot, c]));

  const perUser = Math.ceil(SPREAD_OPS / USERS);
  const spreadCalls = await makeCalls(null, users, perUser);
  const jobs: [string, string][] = [];
  for (let i = 0; i < perUser; i++) for (const u of users) jobs.push([u, spreadCalls.get(u)![i]!]);
  const spread = await reserveAll(jobs.slice(0, SPREAD_OPS));

  const v = await admin.query<{ n: number }>(
    `select count(*)::int as n from private.ledger_violations() where user_id = any($1::uuid[])`, [users]);
  const neg = await admin.query<{ n: number }>(
    `select count(*)::int as n from public.user_credits where user_id = any($1::uuid[]) and (available_credits < 0 or reserved_credits < 0)`, [users]);
  violations = v.rows[0]!.n + neg.rows[0]!.n;

  console.log(`clients ${CLIENTS}, users ${USERS}; reservations: ${CONTENDED_OPS} on one user, ${SPREAD_OPS} spread`);
  console.log('                               ledger reserve/s   pgbench update/s   ratio');
  console.log(`one user / one row          ${fmt(contended.perSecond)}           ${fmt(baseOne)}        ${(contended.perSecond / baseOne).toFixed(3)}`);
  console.log(`1,000 users / 1,000 rows    ${fmt(spread.perSecond)}           ${fmt(baseSpread)}        ${(spread.perSecond / baseSpread).toFixed(3)}`);
  console.log(`refused reservations: ${contended.refused + spread.refused}`);
  console.log(`invariant violations: ${violations}`);
} finally {
  await admin.query('drop schema if exists ledger_bench cascade');
  if (users.length) await admin.query('delete from auth.users where id = any($1::uuid[])', [users]);
  await admin.end();
}
if (violations !== 0) process.exit(1);
