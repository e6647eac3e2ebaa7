// 1,000 malformed /rest/v1 requests (bad or expired JWTs, unknown keys, broken select/filter grammar, bad JSON,
// oversized bodies, unknown tables and functions): every one must get a 4xx PostgREST-style error, never a 500,
// and the gateway must keep answering correctly afterwards.
import { createClient } from '@supabase/supabase-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHs256 } from '../keys.ts';
import { stack } from '../testing/stack_env.ts';
import { seededRandom } from '../testing/seeded_random.ts';

const TOTAL = 1000;
const tag = `rf${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const table = `${tag}_items`;
const child = `${tag}_parts`;
const fn = `${tag}_double`;
const base = `${stack.apiUrl}/rest/v1`;

interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Blob;
}

function generate(count: number): FuzzRequest[] {
  const rnd = seededRandom(20261124);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const word = (n = 1 + Math.floor(rnd() * 10)) =>
    Array.from({ length: n }, () => pick('abcdefghijklmnopqrstuvwxyz_0123456789'.split(''))).join('');
  const junk = (n = 1 + Math.floor(rnd() * 24)) =>
    Array.from({ length: n }, () => pick('()!:,."*->{}[]\\ \'abc%&=;'.split(''))).join('');
  const now = Math.floor(Date.now() / 1000);
  const secret = stack.jwtSecret;
  const b64 = (s: string) => Buffer.from(s).toString('base64url');

  const badTokens = (): string =>
    pick([
      () => word(20),
      () => `${word(8)}.${word(8)}`,
      () => `${word(8)}.${word(8)}.${word(8)}`,
      () => `${b64('{"alg":"none"}')}.${b64(`{"role":"service_role","exp":${now + 600}}`)}.`,
      () => signHs256({ role: 'service_role', exp: now + 600 }, `${secret}-wrong`),
      () => signHs256({ role: 'authenticated', sub: 'x', exp: now - 1 - Math.floor(rnd() * 10000) }, secret),
      () => `${b64('not json')}.${b64('{}')}.${word(43)}`,
      () => signHs256({ role: `${tag}_no_such_role`, exp: now + 600 }, secret),
      () => signHs256({ role: 'postgres', exp: now + 600 }, secret),
      () => signHs256({ role: 12, exp: now + 600 }, secret)
    ])();

  const brokenSelects = [
    () => `id,${junk()}(`,
    () => `id,name(`,
    () => `${word()}(`,
    () => `id,`,
    () => `id->`,
    () => `id:`,
    () => `id!inner`,
    () => `"unterminated`,
    () => `id::text;drop table x`,
    () => `id::${junk()}`,
    () => `${child}(${junk()}`,
    () => `${child}!${word()}(id)`,
    () => `${word()}(*)`,
    () => `${word()}`,
    () => `))${junk()}`,
    () => `id,,name`,
    () => `...${child}(id)`
  ];
  const brokenFilters = [
    () => `id=eq`,
    () => `id=${word()}.1`,
    () => `id=in.1,2`,
    () => `id=in.(1,2`,
    () => `or=(id.eq.1`,
    () => `or=${junk()}`,
    () => `and=(id.eq.1,${junk()})`,
    () => `id=is.maybe`,
    () => `id=eq.${word()}x`,
    () => `id=gt.${junk()}`,
    () => `order=id.${word()}`,
    () => `order=${junk()}`,
    () => `limit=-${Math.floor(rnd() * 9) + 1}`,
    () => `limit=${word()}x`,
    () => `offset=${junk()}`,
    () => `name=fts(${junk()}).x`,
    () => `id=like(any).${word()}`,
    () => `${word()}x=eq.1`,
    () => `not.${word()}=(id.eq.1)`,
    () => `id=eq.1%00`,
    () => `${child}.order=${word()}x.up`
  ];
  const badBodies = ['{', '[1,2]', '"text"', 'null', '{"name":}', '[{"name":"a"},{"other":"b"}]', '\u0000', '[[[]]]', '12', '{"name": "x"', 'true'];

  const makers: (() => FuzzRequest)[] = [
    () => ({ kind: 'bad jwt', method: 'GET', path: `/${table}`, headers: { apikey: stack.anonKey, Authorization: `Bearer ${badTokens()}` } }),
    () => ({ kind: 'unknown apikey', method: 'GET', path: `/${table}?select=id`, headers: { apikey: pick([word(30), `sb_publishable_${word(20)}`, `eyJ${word(30)}`]) } }),
    () => ({ kind: 'broken select', method: 'GET', path: `/${table}?select=${encodeURIComponent(pick(brokenSelects)())}` }),
    () => ({ kind: 'broken filter', method: 'GET', path: `/${table}?${pick(brokenFilters)()}` }),
    () => ({ kind: 'bad json insert', method: 'POST', path: `/${table}`, headers: { 'Content-Type': 'application/json' }, body: pick(badBodies) }),
    () => ({ kind: 'bad json update', method: 'PATCH', path: `/${table}?id=eq.1`, headers: { 'Content-Type': 'application/json' }, body: pick(badBodies.filter((b) => !b.startsWith('{"name": "x"'))) }),
    () => ({ kind: 'bad json rpc', method: 'POST', path: `/rpc/${fn}`, headers: { 'Content-Type': 'application/json' }, body: pick(['{', '"x"', '{"n": "not a number"}', '{"m": 1}', '[1]']) }),
    () => ({ kind: 'unknown table', method: pick(['GET', 'POST', 'PATCH', 'DELETE']), path: `/${tag}_${word()}?id=eq.1`, headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' }),
    () => ({ kind: 'unknown function', method: pick(['GET', 'POST']), path: `/rpc/${tag}_${word()}`, headers: { 'Content-Type': 'application/json' }, body: '{}' }),
    () => ({ kind: 'unknown column', method: 'POST', path: `/${table}`, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ [`${word()}x`]: 1 }) }),
    () => ({ kind: 'unsafe update', method: pick(['PATCH', 'DELETE']), path: `/${table}`, headers: { 'Content-Type': 'application/json' }, body: '{"name":"all"}' }),
    () => ({ kind: 'unknown profile', method: 'GET', path: `/${table}`, headers: { 'Accept-Profile': pick(['auth', 'pg_catalog', word()]) } }),
    () => ({ kind: 'bad accept', method: 'GET', path: `/${table}`, headers: { Accept: pick(['text/csv', 'application/xml', 'image/png']) } }),
    () => ({ kind: 'singular', method: 'GET', path: `/${table}?id=lt.0`, headers: { Accept: 'application/vnd.pgrst.object+json' } }),
    () => ({ kind: 'bad range', method: 'GET', path: `/${table}`, headers: { Range: '5-1' } }),
    () => ({ kind: 'bad method', method: pick(['PUT', 'COPY']), path: `/${table}?id=eq.1`, headers: { 'Content-Type': 'application/json' }, body: '{}' }),
    () => ({ kind: 'bad path', method: 'GET', path: `/${table}/${word()}/${word()}` })
  ];

  const requests: FuzzRequest[] = [];
  // A few oversized bodies: they must be refused with 413 without taking the gateway down.
  const big = new Blob(['a'.repeat(9 * 1024 * 1024)]);
  for (let i = 0; i < 4; i++) {
    requests.push({ kind: 'oversized body', method: 'POST', path: `/${table}`, headers: { 'Content-Type': 'application/json' }, body: big });
  }
  while (requests.length < count) requests.push(pick(makers)());
  return requests;
}

let db: pg.Pool;

beforeAll(async () => {
  db = new pg.Pool({ connectionString: stack.dbUrl, max: 1 });
  await db.query(`
    create table public.${table} (id int primary key, name text not null);
    create table public.${child} (id int primary key, item_id int references public.${table}(id));
    insert into public.${table} values (1, 'one'), (2, 'two');
    create function public.${fn}(n int) returns int language sql immutable as 'select n * 2';
  `);
});

afterAll(async () => {
  await db.query(`drop table if exists public.${child}, public.${table} cascade; drop function if exists public.${fn};`);
  await db.end();
});

describe('REST fuzzing', () => {
  it(`answers ${TOTAL} malformed requests with 4xx PostgREST-style errors and keeps serving`, async () => {
    const requests = generate(TOTAL);
    const failures: string[] = [];
    const byKind = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        const r = requests[i]!;
        const res = await fetch(`${base}${r.path}`, {
          method: r.method,
          headers: { apikey: stack.anonKey, ...r.headers },
          body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body
        });
        const text = await res.text();
        let body: { code?: unknown; message?: unknown } | null = null;
        try {
          body = JSON.parse(text);
        } catch {
          body = null;
        }
        const styled = body !== null && typeof body.code === 'string' && typeof body.message === 'string' && 'details' in body && 'hint' in body;
        if (res.status < 400 || res.status >= 500 || !styled) {
          failures.push(`#${i} ${r.kind} ${r.method} ${r.path.slice(0, 120)} → ${res.status} ${text.slice(0, 200)}`);
        }
        byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(failures).toEqual([]);
    expect(requests.length).toBe(TOTAL);
    expect(byKind.size).toBeGreaterThanOrEqual(15);

    // Still serving, with the right answers.
    const client = createClient(stack.apiUrl, stack.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
    const read = await client.from(table).select('id, name').order('id');
    expect(read.error).toBeNull();
    expect(read.data).toEqual([{ id: 1, name: 'one' }, { id: 2, name: 'two' }]);
    const rpc = await client.rpc(fn, { n: 21 });
    expect(rpc.data).toBe(42);
    const rows = await db.query(`select count(*)::int as n from public.${table}`);
    expect(rows.rows[0].n).toBe(2);
  }, 120_000);
});
