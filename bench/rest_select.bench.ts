// REST overhead: `select` of 50 rows with a to-one embed under RLS through the gateway (supabase-js), against the
// same query run directly with pg in the same run (same role, same claims, same RLS, JSON built by Postgres).
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import { signHs256 } from '../devstack/src/keys.ts';
import { stack } from '../devstack/src/testing/stack_env.ts';
import { ms, summary, timeEach } from './stats.ts';

const N = Number(process.env.BENCH_N ?? 400);
const WARMUP = 50;
const TARGET_OVERHEAD_MS = 1.5;

const db = new pg.Client({ connectionString: stack.dbUrl });
await db.connect();
await db.query(`
  drop table if exists public.bench_books; drop table if exists public.bench_authors;
  create table public.bench_authors (id int primary key, owner uuid not null, name text not null);
  create table public.bench_books (id int primary key, owner uuid not null, author_id int not null references public.bench_authors(id), title text not null);
  alter table public.bench_authors enable row level security; alter table public.bench_books enable row level security;
  create policy "Owners read their authors" on public.bench_authors for select to authenticated using (owner = (select auth.uid()));
  create policy "Owners read their books" on public.bench_books for select to authenticated using (owner = (select auth.uid()));
  grant select on public.bench_authors, public.bench_books to authenticated;
  notify pgrst, 'reload schema';`);
const owner = crypto.randomUUID();
const other = crypto.randomUUID();
await db.query(`insert into public.bench_authors select g, case when g % 2 = 0 then $1::uuid else $2::uuid end, 'Author ' || g from generate_series(1, 100) g`, [owner, other]);
await db.query(`insert into public.bench_books select g, case when g % 2 = 0 then $1::uuid else $2::uuid end, 2 * (g % 50) + 2 - (g % 2), 'Book ' || g from generate_series(1, 400) g`, [owner, other]);
await new Promise((r) => setTimeout(r, 300));

const claims = { sub: owner, role: 'authenticated', aud: 'authenticated', exp: Math.floor(Date.now() / 1000) + 3600 };
const jwt = signHs256(claims, stack.jwtSecret);
const supabase = createClient(stack.apiUrl, stack.anonKey, {
  auth: { persistSession: false, autoRefreshToken: false },
  global: { headers: { Authorization: `Bearer ${jwt}` } }
});

const viaRest = async () => {
  const { data, error } = await supabase.from('bench_books').select('id,title,author:bench_authors(name)').order('id').limit(50);
  if (error || data?.length !== 50) throw new Error(`REST answered ${error?.message ?? data?.length}`);
};
const direct = async () => {
  await db.query('begin');
  await db.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
  const r = await db.query(
    `select coalesce(json_agg(t), '[]') as body from (
       select b.id, b.title, (select row_to_json(a) from (select a.name from public.bench_authors a where a.id = b.author_id) a) as author
       from public.bench_books b order by b.id limit 50) t`);
  await db.query('commit');
  if ((r.rows[0].body as unknown[]).length !== 50) throw new Error('direct query returned the wrong row count');
};

try {
  await timeEach(WARMUP, viaRest);
  await timeEach(WARMUP, direct);
  const rest = summary(await timeEach(N, viaRest));
  const base = summary(await timeEach(N, direct));
  const overhead = rest.p50 - base.p50;
  console.log(`bench rest-select: 50 rows + to-one embed under RLS, ${N} requests each`);
  console.log(`  baseline pg direct (same SQL, role, claims)  p50 ${ms(base.p50)}  p95 ${ms(base.p95)}`);
  console.log(`  REST via gateway (supabase-js)               p50 ${ms(rest.p50)}  p95 ${ms(rest.p95)}`);
  console.log(`  overhead at p50 ${ms(overhead)} (target <= ${TARGET_OVERHEAD_MS} ms: ${overhead <= TARGET_OVERHEAD_MS ? 'ok' : 'OVER'}), ratio ${(rest.p50 / base.p50).toFixed(2)}x`);
} finally {
  await db.query('drop table if exists public.bench_books; drop table if exists public.bench_authors; notify pgrst, \'reload schema\'');
  await db.end();
}
