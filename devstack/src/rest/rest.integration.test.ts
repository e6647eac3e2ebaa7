// /rest/v1 driven by the unmodified supabase-js client: one test per REST line of the conformance checklist
// (supabase-api.md §7), on fixture tables, functions and users this file creates and drops.
import { randomUUID } from 'node:crypto';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../config.ts';
import { signHs256 } from '../keys.ts';
import { SchemaCache } from './schema_cache.ts';
import { listenForReloads } from './schema_listener.ts';
import { stack } from '../testing/stack_env.ts';

const opts = { auth: { persistSession: false, autoRefreshToken: false } };
const tag = `rt${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const t = {
  authors: `${tag}_authors`,
  books: `${tag}_books`,
  reviews: `${tag}_reviews`,
  things: `${tag}_things`,
  people: `${tag}_people`,
  notes: `${tag}_notes`,
  dropbox: `${tag}_dropbox`,
  add: `${tag}_add`,
  longBooks: `${tag}_long_books`,
  numbers: `${tag}_numbers`,
  touch: `${tag}_touch`,
  echo: `${tag}_echo`,
  whoami: `${tag}_whoami`,
  fail: `${tag}_fail`,
  profiled: `${tag}_profiled`
};

let db: pg.Pool;
let anon: SupabaseClient;
let service: SupabaseClient;
let alice: { id: string; client: SupabaseClient };
let bob: { id: string; client: SupabaseClient };

function userToken(id: string, email: string): string {
  const now = Math.floor(Date.now() / 1000);
  return signHs256(
    { aud: 'authenticated', exp: now + 3600, iat: now, sub: id, email, role: 'authenticated', session_id: randomUUID() },
    stack.jwtSecret
  );
}

async function createUser(name: string): Promise<{ id: string; client: SupabaseClient }> {
  const id = randomUUID();
  const email = `${tag}-${name}@example.test`;
  await db.query(
    `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
     values ($1, 'authenticated', 'authenticated', $2, now(), '{"provider":"email"}', '{}', now(), now())`,
    [id, email]
  );
  const client = createClient(stack.apiUrl, stack.anonKey, {
    ...opts,
    global: { headers: { Authorization: `Bearer ${userToken(id, email)}` } }
  });
  return { id, client };
}

const FIXTURE = `
create table public.${t.authors} (id int primary key, name text not null, meta jsonb, born date);
create table public.${t.books} (
  id int primary key,
  author_id int references public.${t.authors}(id),
  editor_id int references public.${t.authors}(id),
  title text not null,
  pages int default 100,
  published boolean
);
create table public.${t.reviews} (id int primary key, book_id int not null references public.${t.books}(id), stars int not null, note text);
create table public.${t.things} (id int primary key, name text, n int, tags text[], r int4range, doc text, data jsonb, flag boolean);
create table public.${t.people} (id serial primary key, email text unique, nickname text default 'friend', age int);
create table public.${t.notes} (
  id serial primary key,
  owner uuid not null default auth.uid() references auth.users(id) on delete cascade,
  body text not null
);
alter table public.${t.notes} enable row level security;
create policy own_select on public.${t.notes} for select to authenticated using (owner = auth.uid());
create policy own_insert on public.${t.notes} for insert to authenticated with check (owner = auth.uid());
create policy own_update on public.${t.notes} for update to authenticated using (owner = auth.uid());
create table public.${t.dropbox} (id serial primary key, msg text);
alter table public.${t.dropbox} enable row level security;
create policy anyone_insert on public.${t.dropbox} for insert to anon, authenticated with check (true);

insert into public.${t.authors} values (1, 'Ann', '{"address": {"city": "Oslo"}, "tags": ["a"]}', '1970-01-02'), (2, 'Bob', null, null), (3, 'Cy', '{"address": {"city": "Rome"}}', null);
insert into public.${t.books} values
  (1, 1, 2, 'Ann One', 300, true), (2, 1, null, 'Ann Two', 120, false), (3, 2, 1, 'Bob One', 80, null), (4, null, null, 'Orphan', null, null);
insert into public.${t.reviews} values (1, 1, 5, 'great'), (2, 1, 3, 'ok'), (3, 1, 4, null), (4, 3, 2, 'meh');
insert into public.${t.things} values
  (1, 'alpha', 1, '{a,b}', '[1,5)', 'the quick brown fox', '{"k": 1}', true),
  (2, 'Beta', 2, '{b,c}', '[5,10)', 'lazy dogs sleep', '{"k": 2}', false),
  (3, 'gamma,delta', 3, '{c}', '[10,20)', 'quick dogs run', '{"k": 3}', null),
  (4, null, null, null, null, null, null, null);

create function public.${t.add}(a int, b int default 10) returns int language sql immutable as 'select a + b';
create function public.${t.longBooks}(min_pages int) returns setof public.${t.books} language sql stable
  as 'select * from public.${t.books} where pages >= min_pages';
create function public.${t.numbers}(n int) returns setof int language sql immutable as 'select generate_series(1, n)';
create function public.${t.touch}(msg text) returns void language sql as 'insert into public.${t.dropbox} (msg) values (msg)';
create function public.${t.echo}(jsonb) returns jsonb language sql immutable as 'select $1';
create function public.${t.whoami}() returns json language sql stable as $$
  select json_build_object('uid', auth.uid(), 'role', current_user, 'method', current_setting('request.method', true),
    'path', current_setting('request.path', true),
    'client', current_setting('request.headers', true)::json->>'x-client-info')
$$;
create function public.${t.fail}() returns int language plpgsql as $$ begin raise exception 'nope: %', 42 using hint = 'try less'; end $$;

create table graphql_public.${t.profiled} (id int primary key, label text);
grant all on graphql_public.${t.profiled} to anon, authenticated, service_role;
insert into graphql_public.${t.profiled} values (1, 'in graphql_public');
notify pgrst, 'reload schema';
`;

beforeAll(async () => {
  db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
  await db.query(FIXTURE);
  anon = createClient(stack.apiUrl, stack.anonKey, opts);
  service = createClient(stack.apiUrl, stack.serviceRoleKey, opts);
  alice = await createUser('alice');
  bob = await createUser('bob');
});

afterAll(async () => {
  await db.query(`
    drop table if exists public.${t.reviews}, public.${t.books}, public.${t.authors}, public.${t.things}, public.${t.people},
      public.${t.notes}, public.${t.dropbox}, graphql_public.${t.profiled} cascade;
    drop function if exists public.${t.add}, public.${t.longBooks}, public.${t.numbers}, public.${t.touch}, public.${t.echo}, public.${t.whoami}, public.${t.fail};
    delete from auth.users where email like '${tag}-%';
    notify pgrst, 'reload schema';
  `);
  await db.end();
});

function ids(rows: unknown): number[] {
  return ((rows as { id: number }[] | null) ?? []).map((r) => r.id).sort((a, b) => a - b);
}

describe('REST /rest/v1 through supabase-js', () => {
  it('selects *, a column list, aliases, casts and JSON paths', async () => {
    const all = await anon.from(t.authors).select('*').order('id');
    expect(all.error).toBeNull();
    expect(all.data).toEqual([
      { id: 1, name: 'Ann', meta: { address: { city: 'Oslo' }, tags: ['a'] }, born: '1970-01-02' },
      { id: 2, name: 'Bob', meta: null, born: null },
      { id: 3, name: 'Cy', meta: { address: { city: 'Rome' } }, born: null }
    ]);
    const shaped = await anon
      .from(t.authors)
      .select('id, writer:name, id_text:id::text, meta->address->>city, first_tag:meta->tags->0, address:meta->address')
      .eq('id', 1);
    expect(shaped.error).toBeNull();
    expect(shaped.data).toEqual([{ id: 1, writer: 'Ann', id_text: '1', city: 'Oslo', first_tag: 'a', address: { city: 'Oslo' } }]);
  });

  it('embeds many-to-one as an object, one-to-many as an array, with !inner, hints, nesting and embedded filter/order/limit', async () => {
    const m2o = await anon.from(t.reviews).select(`id, book:${t.books}(title)`).order('id');
    expect(m2o.error).toBeNull();
    expect(m2o.data?.[0]).toEqual({ id: 1, book: { title: 'Ann One' } });

    const o2m = await anon.from(t.books).select(`id, ${t.reviews}(stars)`).order('id');
    expect(o2m.error).toBeNull();
    expect(o2m.data?.map((b) => (b as unknown as Record<string, unknown[]>)[t.reviews]!.length)).toEqual([3, 0, 1, 0]);

    // Two foreign keys from books to authors: without a hint the embed is ambiguous (300 PGRST201).
    const ambiguous = await anon.from(t.books).select(`id, ${t.authors}(name)`);
    expect(ambiguous.status).toBe(300);
    expect(ambiguous.error?.code).toBe('PGRST201');
    const hinted = await anon
      .from(t.books)
      .select(`id, author:${t.authors}!author_id(name), editor:${t.authors}!${t.books}_editor_id_fkey(name)`)
      .eq('id', 1);
    expect(hinted.error).toBeNull();
    expect(hinted.data).toEqual([{ id: 1, author: { name: 'Ann' }, editor: { name: 'Bob' } }]);
    // Parents ordered by a column of a to-one embed: order=author(name).desc
    const byAuthor = await anon
      .from(t.books)
      .select(`id, author:${t.authors}!author_id(name)`)
      .in('id', [1, 3])
      .order('author(name)', { ascending: false });
    expect(byAuthor.error).toBeNull();
    expect((byAuthor.data as unknown as { id: number }[]).map((b) => b.id)).toEqual([3, 1]);

    const inner = await anon.from(t.books).select(`id, ${t.reviews}!inner(stars)`).order('id');
    expect(ids(inner.data)).toEqual([1, 3]);

    const nested = await anon
      .from(t.authors)
      .select(`name, books:${t.books}!author_id(title, reviews:${t.reviews}(stars))`)
      .eq('id', 1);
    expect(nested.error).toBeNull();
    const books = (nested.data?.[0] as unknown as { books: { title: string; reviews: { stars: number }[] }[] }).books;
    expect(books.map((b) => b.title).sort()).toEqual(['Ann One', 'Ann Two']);
    expect(books.find((b) => b.title === 'Ann One')!.reviews.map((r) => r.stars).sort()).toEqual([3, 4, 5]);

    const embeddedControls = await anon
      .from(t.books)
      .select(`id, reviews:${t.reviews}(stars)`)
      .eq('id', 1)
      .gte('reviews.stars', 4)
      .order('stars', { referencedTable: 'reviews', ascending: false })
      .limit(1, { referencedTable: 'reviews' });
    expect(embeddedControls.error).toBeNull();
    expect(embeddedControls.data).toEqual([{ id: 1, reviews: [{ stars: 5 }] }]);

    // Embedded filters without !inner keep the parents; with !inner they filter them.
    const kept = await anon.from(t.books).select(`id, reviews:${t.reviews}(stars)`).eq('reviews.stars', 2).order('id');
    expect(ids(kept.data)).toEqual([1, 2, 3, 4]);
    const filtered = await anon.from(t.books).select(`id, reviews:${t.reviews}!inner(stars)`).eq('reviews.stars', 2);
    expect(filtered.data).toEqual([{ id: 3, reviews: [{ stars: 2 }] }]);
  });

  it('applies every filter operator, including in quoting, or with nested and, and not', async () => {
    const q = () => anon.from(t.things).select('id');
    const cases: [string, PromiseLike<{ data: unknown; error: unknown }>, number[]][] = [
      ['eq', q().eq('name', 'alpha'), [1]],
      ['neq', q().neq('n', 1), [2, 3]],
      ['gt', q().gt('n', 1), [2, 3]],
      ['gte', q().gte('n', 2), [2, 3]],
      ['lt', q().lt('n', 2), [1]],
      ['lte', q().lte('n', 2), [1, 2]],
      ['like', q().like('name', 'al*'), [1]],
      ['ilike', q().ilike('name', 'beta'), [2]],
      ['likeAnyOf', q().likeAnyOf('name', ['al%', 'gam%']), [1, 3]],
      ['match', q().regexMatch('name', '^g'), [3]],
      ['imatch', q().regexIMatch('name', '^b'), [2]],
      ['in with quoting', q().in('name', ['alpha', 'gamma,delta']), [1, 3]],
      ['is null', q().is('name', null), [4]],
      ['is true', q().is('flag', true), [1]],
      ['isdistinct', q().isDistinct('flag', true), [2, 3, 4]],
      ['fts', q().textSearch('doc', 'quick & fox'), [1]],
      ['plfts', q().textSearch('doc', 'quick dogs', { type: 'plain', config: 'english' }), [3]],
      ['phfts', q().textSearch('doc', 'lazy dogs', { type: 'phrase' }), [2]],
      ['wfts', q().textSearch('doc', 'quick -fox', { type: 'websearch' }), [3]],
      ['cs array', q().contains('tags', ['b']), [1, 2]],
      ['cs json', q().contains('data', { k: 2 }), [2]],
      ['cd', q().containedBy('tags', ['a', 'b', 'c']), [1, 2, 3]],
      ['ov', q().overlaps('tags', ['a', 'c']), [1, 2, 3]],
      ['sl', q().rangeLt('r', '[20,30)'), [1, 2, 3]],
      ['sr', q().rangeGt('r', '[0,1)'), [1, 2, 3]],
      ['nxl', q().rangeGte('r', '[5,6)'), [2, 3]],
      ['nxr', q().rangeLte('r', '[1,6)'), [1]],
      ['adj', q().rangeAdjacent('r', '[20,25)'), [3]],
      ['not eq', q().not('n', 'eq', 1), [2, 3]],
      ['not is null', q().not('name', 'is', null), [1, 2, 3]],
      ['not in', q().not('name', 'in', '("alpha","gamma,delta")'), [2]],
      ['or + nested and', q().or('n.eq.1,and(n.gt.2,name.like.gam*)'), [1, 3]],
      ['or with in', q().or('name.in.("gamma,delta",Beta),id.eq.4'), [2, 3, 4]],
      ['not or', q().not('id', 'eq', 4).or('n.eq.1,n.eq.2').not('n', 'is', null), [1, 2]],
      ['match object', q().match({ n: 2, name: 'Beta' }), [2]],
      ['json path filter', q().eq('data->>k', '3'), [3]]
    ];
    for (const [label, query, expected] of cases) {
      const { data, error } = await query;
      expect(error, label).toBeNull();
      expect(ids(data as { id: number }[]), label).toEqual(expected);
    }
    const negatedLogic = await fetch(`${stack.apiUrl}/rest/v1/${t.things}?select=id&not.or=(n.eq.1,n.is.null)&order=id`, {
      headers: { apikey: stack.anonKey }
    });
    expect(await negatedLogic.json()).toEqual([{ id: 2 }, { id: 3 }]);
  });

  it('orders with nullsfirst, pages with range, counts exactly (206 + Content-Range) and answers head:true', async () => {
    const ordered = await anon.from(t.books).select('id, pages').order('pages', { ascending: true, nullsFirst: true });
    expect(ordered.data?.map((b) => b.pages)).toEqual([null, 80, 120, 300]);
    const desc = await anon.from(t.books).select('id').order('pages', { ascending: false, nullsFirst: false }).order('id');
    expect(desc.data?.map((b) => b.id)).toEqual([1, 2, 3, 4]);

    const page = await anon.from(t.books).select('id', { count: 'exact' }).order('id').range(1, 2);
    expect(page.error).toBeNull();
    expect(page.status).toBe(206);
    expect(page.count).toBe(4);
    expect(page.data).toEqual([{ id: 2 }, { id: 3 }]);
    const raw = await fetch(`${stack.apiUrl}/rest/v1/${t.books}?select=id&order=id&offset=1&limit=2`, {
      headers: { apikey: stack.anonKey, Prefer: 'count=exact' }
    });
    expect(raw.status).toBe(206);
    expect(raw.headers.get('content-range')).toBe('1-2/4');
    const whole = await anon.from(t.books).select('id', { count: 'exact' });
    expect(whole.status).toBe(200);

    const head = await anon.from(t.books).select('*', { count: 'exact', head: true }).gt('pages', 100);
    expect(head.error).toBeNull();
    expect(head.data).toBeNull();
    expect(head.count).toBe(2);
  });

  it('inserts a single row and arrays, with NULL for missing keys unless defaults are asked for', async () => {
    const one = await service.from(t.people).insert({ email: `one-${tag}@x.test` }).select().single();
    expect(one.error).toBeNull();
    expect(one.status).toBe(201);
    expect(one.data).toMatchObject({ email: `one-${tag}@x.test`, nickname: 'friend', age: null });

    const rows = [{ email: `two-${tag}@x.test`, nickname: 'twin' }, { email: `three-${tag}@x.test`, age: 3 }];
    const explicitNull = await service.from(t.people).insert(rows).select('email, nickname, age');
    expect(explicitNull.error).toBeNull();
    expect(explicitNull.data).toEqual([
      { email: `two-${tag}@x.test`, nickname: 'twin', age: null },
      { email: `three-${tag}@x.test`, nickname: null, age: 3 }
    ]);

    const defaults = await service
      .from(t.people)
      .insert([{ email: `four-${tag}@x.test`, nickname: 'quad' }, { email: `five-${tag}@x.test` }], { defaultToNull: false })
      .select('email, nickname');
    expect(defaults.error).toBeNull();
    expect(defaults.data).toEqual([
      { email: `four-${tag}@x.test`, nickname: 'quad' },
      { email: `five-${tag}@x.test`, nickname: 'friend' }
    ]);

    const minimal = await service.from(t.people).insert({ email: `six-${tag}@x.test` });
    expect(minimal.error).toBeNull();
    expect(minimal.status).toBe(201);
    expect(minimal.data).toBeNull();
  });

  it('inserts a row of column defaults per empty object ({} one, [{}, {}] two) and answers the database\'s error', async () => {
    const one = await service.from(t.people).insert({}).select('nickname, age');
    expect(one.status).toBe(201);
    expect(one.data).toEqual([{ nickname: 'friend', age: null }]);
    const two = await service.from(t.people).insert([{}, {}]).select('nickname');
    expect(two.status).toBe(201);
    expect(two.data).toEqual([{ nickname: 'friend' }, { nickname: 'friend' }]);
    const minimal = await service.from(t.people).insert([{}]);
    expect(minimal.error).toBeNull();
    expect(minimal.status).toBe(201);

    const required = await alice.client.from(t.notes).insert({});
    expect(required.status).toBe(400);
    expect(required.error).toMatchObject({ code: '23502', message: expect.stringMatching(/null value in column "body"/) });
    const anonymous = await anon.from(t.notes).insert([{}]);
    expect(anonymous.status).toBe(401);
    expect(anonymous.error?.code).toBe('42501');
  });

  it('inserts under RLS without a SELECT policy, but insert().select() fails with 42501', async () => {
    const plain = await anon.from(t.dropbox).insert({ msg: 'hello' });
    expect(plain.error).toBeNull();
    expect(plain.status).toBe(201);
    const returning = await anon.from(t.dropbox).insert({ msg: 'and show me' }).select();
    expect(returning.error?.code).toBe('42501');
    expect(returning.status).toBe(401);
    const asUser = await alice.client.from(t.dropbox).insert({ msg: 'user' }).select();
    expect(asUser.error?.code).toBe('42501');
    expect(asUser.status).toBe(403);
    const stored = await db.query(`select msg from public.${t.dropbox} order by id`);
    expect(stored.rows.map((r) => r.msg)).toEqual(['hello']);
  });

  it('upserts with merge-duplicates and ignore-duplicates on a chosen conflict target', async () => {
    await service.from(t.people).insert({ email: `up-${tag}@x.test`, nickname: 'before', age: 1 });
    const merged = await service
      .from(t.people)
      .upsert({ email: `up-${tag}@x.test`, nickname: 'after' }, { onConflict: 'email' })
      .select('email, nickname, age');
    expect(merged.error).toBeNull();
    expect(merged.data).toEqual([{ email: `up-${tag}@x.test`, nickname: 'after', age: 1 }]);

    const ignored = await service
      .from(t.people)
      .upsert(
        [{ email: `up-${tag}@x.test`, nickname: 'ignored' }, { email: `up2-${tag}@x.test`, nickname: 'new' }],
        { onConflict: 'email', ignoreDuplicates: true }
      )
      .select('email, nickname');
    expect(ignored.error).toBeNull();
    expect(ignored.data).toEqual([{ email: `up2-${tag}@x.test`, nickname: 'new' }]);
    const check = await db.query(`select nickname from public.${t.people} where email = $1`, [`up-${tag}@x.test`]);
    expect(check.rows[0].nickname).toBe('after');

    const byPk = await service.from(t.authors).upsert({ id: 3, name: 'Cyrus' }).select('id, name');
    expect(byPk.data).toEqual([{ id: 3, name: 'Cyrus' }]);
  });

  it('updates and deletes with filters, and refuses both without one (21000)', async () => {
    await service.from(t.people).insert([{ email: `u1-${tag}@x.test`, age: 10 }, { email: `u2-${tag}@x.test`, age: 20 }]);
    const updated = await service.from(t.people).update({ age: 11 }).eq('email', `u1-${tag}@x.test`).select('email, age');
    expect(updated.error).toBeNull();
    expect(updated.data).toEqual([{ email: `u1-${tag}@x.test`, age: 11 }]);
    const noContent = await service.from(t.people).update({ age: 12 }).eq('email', `u1-${tag}@x.test`);
    expect(noContent.status).toBe(204);
    // An empty object sets nothing: no UPDATE runs, and the filter's values are not sent to a statement without them.
    const nothingToSet = await service.from(t.people).update({}).eq('email', `u1-${tag}@x.test`);
    expect(nothingToSet.status).toBe(204);
    expect((await db.query(`select age from public.${t.people} where email = $1`, [`u1-${tag}@x.test`])).rows).toEqual([{ age: 12 }]);

    const unfilteredUpdate = await service.from(t.people).update({ age: 0 });
    expect(unfilteredUpdate.status).toBe(400);
    expect(unfilteredUpdate.error?.code).toBe('21000');
    expect(unfilteredUpdate.error?.message).toBe('UPDATE requires a WHERE clause');
    const unfilteredDelete = await service.from(t.people).delete();
    expect(unfilteredDelete.status).toBe(400);
    expect(unfilteredDelete.error?.code).toBe('21000');
    expect(unfilteredDelete.error?.message).toBe('DELETE requires a WHERE clause');
    const stillThere = await db.query(`select count(*)::int as n from public.${t.people} where age = 0`);
    expect(stillThere.rows[0].n).toBe(0);

    const deleted = await service.from(t.people).delete({ count: 'exact' }).in('email', [`u1-${tag}@x.test`, `u2-${tag}@x.test`]);
    expect(deleted.error).toBeNull();
    expect(deleted.count).toBe(2);
    const gone = await db.query(`select count(*)::int as n from public.${t.people} where email = any($1)`, [
      [`u1-${tag}@x.test`, `u2-${tag}@x.test`]
    ]);
    expect(gone.rows[0].n).toBe(0);
  });

  it('single() returns one object and answers 406 PGRST116 for 0 or 2 rows, rolling writes back', async () => {
    const one = await anon.from(t.authors).select('id, name').eq('id', 2).single();
    expect(one.error).toBeNull();
    expect(one.data).toEqual({ id: 2, name: 'Bob' });

    const none = await anon.from(t.authors).select('id').eq('id', 99).single();
    expect(none.status).toBe(406);
    expect(none.error?.code).toBe('PGRST116');
    expect(none.error?.details).toContain('0 rows');

    const two = await anon.from(t.authors).select('id').in('id', [1, 2]).single();
    expect(two.status).toBe(406);
    expect(two.error?.details).toContain('2 rows');

    const write = await service.from(t.books).update({ pages: 1 }).in('id', [1, 2]).select().single();
    expect(write.status).toBe(406);
    expect(write.error?.code).toBe('PGRST116');
    const pages = await db.query(`select pages from public.${t.books} where id in (1, 2) order by id`);
    expect(pages.rows.map((r) => r.pages)).toEqual([300, 120]);
  });

  it('maybeSingle() gives null for no row, the object for one, and an error for several', async () => {
    const none = await anon.from(t.authors).select('id').eq('id', 99).maybeSingle();
    expect(none.error).toBeNull();
    expect(none.data).toBeNull();
    const one = await anon.from(t.authors).select('name').eq('id', 1).maybeSingle();
    expect(one.data).toEqual({ name: 'Ann' });
    const many = await anon.from(t.authors).select('id').maybeSingle();
    expect(many.error?.code).toBe('PGRST116');
  });

  it('maps database errors: 23505/23503 → 409, 42501 → 401 anon / 403 user, missing table 404, unknown column 400', async () => {
    await service.from(t.people).insert({ email: `dup-${tag}@x.test` });
    const dup = await service.from(t.people).insert({ email: `dup-${tag}@x.test` });
    expect(dup.status).toBe(409);
    expect(dup.error?.code).toBe('23505');
    expect(dup.error?.details).toContain('already exists');

    const fk = await service.from(t.books).insert({ id: 50, title: 'x', author_id: 999 });
    expect(fk.status).toBe(409);
    expect(fk.error?.code).toBe('23503');

    const anonDenied = await anon.from(t.notes).insert({ body: 'anon', owner: alice.id });
    expect(anonDenied.status).toBe(401);
    expect(anonDenied.error?.code).toBe('42501');
    const userDenied = await alice.client.from(t.notes).insert({ body: 'as bob', owner: bob.id });
    expect(userDenied.status).toBe(403);
    expect(userDenied.error?.code).toBe('42501');

    const missing = await anon.from(`${tag}_nowhere`).select();
    expect(missing.status).toBe(404);
    expect(missing.error?.code).toBe('PGRST205');

    const badSelect = await anon.from(t.books).select('nope');
    expect(badSelect.status).toBe(400);
    expect(badSelect.error?.code).toBe('42703');
    const badInsert = await service.from(t.books).insert({ id: 51, title: 'x', nope: 1 });
    expect(badInsert.status).toBe(400);
    expect(badInsert.error?.code).toBe('PGRST204');

    const raised = await anon.rpc(t.fail);
    expect(raised.status).toBe(400);
    expect(raised.error).toMatchObject({ code: 'P0001', message: 'nope: 42', hint: 'try less' });
  });

  it('calls RPCs: scalar, setof with filters, void (204), a single json argument and GET', async () => {
    const scalar = await anon.rpc(t.add, { a: 2, b: 3 });
    expect(scalar.error).toBeNull();
    expect(scalar.data).toBe(5);
    const withDefault = await anon.rpc(t.add, { a: 2 });
    expect(withDefault.data).toBe(12);

    const setof = await anon.rpc(t.longBooks, { min_pages: 100 }).select('id, title').order('id', { ascending: false });
    expect(setof.error).toBeNull();
    expect(setof.data).toEqual([{ id: 2, title: 'Ann Two' }, { id: 1, title: 'Ann One' }]);
    const filtered = await anon.rpc(t.longBooks, { min_pages: 0 }).select('id').lt('pages', 200);
    expect(ids(filtered.data)).toEqual([2, 3]);
    const numbers = await anon.rpc(t.numbers, { n: 5 }).gt(t.numbers, 3);
    expect(numbers.data).toEqual([4, 5]);

    const voided = await anon.rpc(t.touch, { msg: 'from rpc' });
    expect(voided.error).toBeNull();
    expect(voided.status).toBe(204);
    expect(voided.data).toBeNull();
    const touched = await db.query(`select count(*)::int as n from public.${t.dropbox} where msg = 'from rpc'`);
    expect(touched.rows[0].n).toBe(1);

    const echoed = await anon.rpc(t.echo, { nested: { list: [1, 2] }, s: 'x' });
    expect(echoed.data).toEqual({ nested: { list: [1, 2] }, s: 'x' });

    const viaGet = await anon.rpc(t.add, { a: 1, b: 2 }, { get: true });
    expect(viaGet.error).toBeNull();
    expect(viaGet.data).toBe(3);
    // A volatile function on GET runs in a read-only transaction: 25006 → 405.
    const volatileGet = await anon.rpc(t.touch, { msg: 'nope' }, { get: true });
    expect(volatileGet.status).toBe(405);
    expect(volatileGet.error?.code).toBe('25006');

    const unknown = await anon.rpc(`${tag}_missing_fn`, { a: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.error?.code).toBe('PGRST202');
  });

  it('schema() switches Accept-Profile/Content-Profile; unexposed schemas are refused with 406 PGRST106', async () => {
    const read = await service.schema('graphql_public').from(t.profiled).select('id, label');
    expect(read.error).toBeNull();
    expect(read.data).toEqual([{ id: 1, label: 'in graphql_public' }]);
    const write = await service.schema('graphql_public').from(t.profiled).insert({ id: 2, label: 'second' }).select('id');
    expect(write.error).toBeNull();
    expect(write.data).toEqual([{ id: 2 }]);
    const inPublic = await service.from(t.profiled).select();
    expect(inPublic.error?.code).toBe('PGRST205');
    const hidden = await service.schema('auth').from('users').select('id');
    expect(hidden.status).toBe(406);
    expect(hidden.error?.code).toBe('PGRST106');
  });

  it('lets service_role bypass row-level security', async () => {
    await alice.client.from(t.notes).insert({ body: 'alice private' });
    await bob.client.from(t.notes).insert({ body: 'bob private' });
    const all = await service.from(t.notes).select('body').order('body');
    expect(all.error).toBeNull();
    expect(all.data?.map((n) => n.body)).toEqual(expect.arrayContaining(['alice private', 'bob private']));
    const asAnon = await anon.from(t.notes).select('body');
    expect(asAnon.data).toEqual([]);
  });

  it('evaluates auth.uid() inside policies and defaults from the request JWT', async () => {
    const inserted = await alice.client.from(t.notes).insert({ body: 'mine' }).select('owner, body').single();
    expect(inserted.error).toBeNull();
    expect(inserted.data).toEqual({ owner: alice.id, body: 'mine' });

    const alicesView = await alice.client.from(t.notes).select('owner');
    expect(alicesView.data!.length).toBeGreaterThan(0);
    expect(alicesView.data!.every((n) => n.owner === alice.id)).toBe(true);
    const bobsView = await bob.client.from(t.notes).select('owner, body');
    expect(bobsView.data!.every((n) => n.owner === bob.id)).toBe(true);
    expect(bobsView.data!.some((n) => n.body === 'mine')).toBe(false);

    const bobUpdates = await bob.client.from(t.notes).update({ body: 'hijacked' }).eq('owner', alice.id).select();
    expect(bobUpdates.data).toEqual([]);

    const who = await alice.client.rpc(t.whoami);
    expect(who.data).toMatchObject({ uid: alice.id, role: 'authenticated', method: 'POST', path: `/rpc/${t.whoami}` });
    expect(String((who.data as { client: string }).client)).toContain('supabase-js');
    const anonWho = await anon.rpc(t.whoami, {}, { get: true });
    expect(anonWho.data).toMatchObject({ uid: null, role: 'anon', method: 'GET' });
  });

  it('reloads the schema cache on NOTIFY pgrst', async () => {
    const cache = new SchemaCache(db, ['public'], () => undefined);
    const listener = listenForReloads({ ...config, dbPort: Number(new URL(stack.dbUrl).port) }, cache, () => undefined);
    try {
      const name = `${tag}_late`;
      const before = await cache.get();
      expect([...before.tables.values()].some((x) => x.name === name)).toBe(false);
      await new Promise((r) => setTimeout(r, 300));
      await db.query(`create table public.${name} (id int primary key); notify pgrst, 'reload schema'`);
      let seen = false;
      for (let i = 0; i < 50 && !seen; i++) {
        await new Promise((r) => setTimeout(r, 50));
        seen = [...(await cache.get()).tables.values()].some((x) => x.name === name);
      }
      expect(seen).toBe(true);
      await db.query(`drop table public.${name}`);
    } finally {
      await listener.close();
    }
  });

  it('rejects invalid and expired JWTs with 401 PGRST301/PGRST303', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = signHs256({ sub: alice.id, role: 'authenticated', exp: now - 60 }, stack.jwtSecret);
    const forged = signHs256({ sub: alice.id, role: 'service_role', exp: now + 60 }, 'not-the-secret-not-the-secret-not-the-secret');
    for (const [token, code] of [[expired, 'PGRST303'], [forged, 'PGRST301']] as const) {
      const client = createClient(stack.apiUrl, stack.anonKey, { ...opts, global: { headers: { Authorization: `Bearer ${token}` } } });
      const r = await client.from(t.authors).select('id');
      expect(r.status).toBe(401);
      expect(r.error?.code).toBe(code);
    }
  });
});
