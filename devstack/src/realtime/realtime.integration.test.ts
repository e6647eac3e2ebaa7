// /realtime/v1 driven by the unmodified supabase-js client (and, where the wire itself is the subject, a raw
// WebSocket): one test per Realtime line of the conformance checklist (supabase-api.md §7), on fixture tables,
// policies and users this file creates and drops.
import { randomUUID } from 'node:crypto';
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signHs256 } from '../keys.ts';
import { stack } from '../testing/stack_env.ts';

const tag = `rtm${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const t = {
  items: `${tag}_items`,
  plain: `${tag}_plain`,
  full: `${tag}_full`,
  unpublished: `${tag}_unpublished`,
  audit: `${tag}_audit`,
  cols: `${tag}_cols`,
  late: `${tag}_late`
};
const wsBase = stack.apiUrl.replace(/^http/, 'ws') + '/realtime/v1/websocket';

let db: pg.Pool;
const clients: SupabaseClient[] = [];
let alice: { id: string; token: string };
let bob: { id: string; token: string };

function userToken(id: string, expiresIn = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  return signHs256(
    { aud: 'authenticated', exp: now + expiresIn, iat: now, sub: id, email: `${id}@example.test`, role: 'authenticated' },
    stack.jwtSecret
  );
}

async function createUser(name: string): Promise<{ id: string; token: string }> {
  const id = randomUUID();
  await db.query(
    `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
     values ($1, 'authenticated', 'authenticated', $2, now(), '{"provider":"email"}', '{}', now(), now())`,
    [id, `${tag}-${name}@example.test`]
  );
  return { id, token: userToken(id) };
}

/** A supabase-js client; with a token (or a function giving the current one), Realtime authenticates as that user. */
function client(key = stack.anonKey, token?: string | (() => string)): SupabaseClient {
  const current = typeof token === 'function' ? token : () => token;
  const c = createClient(stack.apiUrl, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    ...(token ? { accessToken: async () => current()! } : {})
  });
  clients.push(c);
  return c;
}

/**
 * Joins and waits for SUBSCRIBED. supabase-js fetches the access token asynchronously after createClient, so
 * the token is settled first (as it is in an app, where sign-in comes before subscribing).
 */
async function subscribe(ch: RealtimeChannel): Promise<void> {
  await ch.socket.setAuth();
  return new Promise((resolve, reject) => {
    ch.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') resolve();
      else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(new Error(`${status}: ${err?.message ?? ''}`));
    });
  });
}

/** Collects values pushed to it and waits for a count of them. */
class Inbox<T> {
  readonly items: T[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  push = (item: T): void => {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => {
      if (this.items.length >= w.n) w.resolve();
      return this.items.length < w.n;
    });
  };
  async waitFor(n: number, ms = 5_000): Promise<T[]> {
    if (this.items.length < n) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${n} messages, got ${this.items.length}`)), ms);
        this.waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
      });
    }
    return this.items;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw Phoenix socket, for assertions about the frames themselves. */
class RawSocket {
  readonly frames: (string | Buffer)[] = [];
  private waiters: { pred: (f: string | Buffer) => boolean; resolve: (f: string | Buffer) => void }[] = [];
  readonly ws: WebSocket;
  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const frame = isBinary ? data : data.toString('utf8');
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
  }

  static open(query: string): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${wsBase}?${query}`);
      ws.once('open', () => resolve(new RawSocket(ws)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
      });
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  next(pred: (f: string | Buffer) => boolean, ms = 3_000): Promise<string | Buffer> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching frame')), ms);
      this.waiters.push({ pred, resolve: (f) => { clearTimeout(timer); resolve(f); } });
    });
  }

  close(): void {
    this.ws.close();
  }
}

const isText = (f: string | Buffer): f is string => typeof f === 'string';
const arrayFrame = (f: string | Buffer): unknown[] | null => (isText(f) ? (JSON.parse(f) as unknown[]) : null);

const FIXTURE = `
create table public.${t.items} (id serial primary key, owner uuid not null, title text not null, n int, tags text[], doc jsonb);
alter table public.${t.items} enable row level security;
create policy own_select on public.${t.items} for select to authenticated using (owner = auth.uid());
create table public.${t.plain} (id serial primary key, kind text, n int, price numeric, at timestamptz default now());
create table public.${t.full} (id serial primary key, title text, n int);
alter table public.${t.full} replica identity full;
create table public.${t.unpublished} (id serial primary key, title text);
create table public.${t.audit} (id serial primary key, title text);
create function public.${t.audit}_notify() returns trigger language plpgsql security definer set search_path = '' as $$
begin
  perform realtime.broadcast_changes('audit:' || new.id::text, tg_op, tg_op, tg_table_name, tg_table_schema, new, old);
  return null;
end $$;
create trigger ${t.audit}_broadcast after insert on public.${t.audit} for each row execute function public.${t.audit}_notify();
create table public.${t.cols} (id serial primary key, title text, secret text);
revoke select on public.${t.cols} from anon, authenticated;
grant select (id, title) on public.${t.cols} to anon;
alter publication supabase_realtime add table public.${t.items}, public.${t.plain}, public.${t.full}, public.${t.cols};
create policy ${tag}_read on realtime.messages for select to authenticated
  using (realtime.topic() like '${tag}-allowed%' or realtime.topic() like 'audit:%');
create policy ${tag}_write on realtime.messages for insert to authenticated
  with check (realtime.topic() like '${tag}-allowed%' and extension in ('broadcast', 'presence'));
`;

beforeAll(async () => {
  db = new pg.Pool({ connectionString: stack.dbUrl, max: 4 });
  await db.query(FIXTURE);
  alice = await createUser('alice');
  bob = await createUser('bob');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.removeAllChannels()));
});

afterAll(async () => {
  await db.query(`
    drop policy if exists ${tag}_read on realtime.messages;
    drop policy if exists ${tag}_write on realtime.messages;
    drop table if exists public.${t.items}, public.${t.plain}, public.${t.full}, public.${t.unpublished}, public.${t.audit}, public.${t.cols}, public.${t.late};
    drop function if exists public.${t.audit}_notify();
    delete from realtime.messages where topic like 'audit:%' or topic like '${tag}%';
    delete from auth.users where email like '${tag}-%';
  `);
  await db.end();
});

describe('connection', () => {
  it('connects with the anon key, the publishable key and a user JWT', async () => {
    for (const c of [client(stack.anonKey), client(stack.publishableKey), client(stack.anonKey, alice.token)]) {
      await subscribe(c.channel(`${tag}-connect-${Math.random()}`));
    }
  });

  it('rejects a missing, malformed, badly signed or expired key before the upgrade', async () => {
    const expired = signHs256({ role: 'anon', exp: Math.floor(Date.now() / 1000) - 60 }, stack.jwtSecret);
    const forged = signHs256({ role: 'service_role', exp: 1983812996 }, 'not-the-project-secret-at-all-0000000000');
    for (const query of ['vsn=2.0.0', 'apikey=nonsense&vsn=2.0.0', `apikey=${forged}&vsn=2.0.0`, `apikey=${expired}&vsn=2.0.0`]) {
      const err = (await RawSocket.open(query).then(() => null, (e: unknown) => e)) as { status?: number; body?: string } | null;
      expect(err?.status, query).toBe(401);
      expect(JSON.parse(err?.body ?? '{}').error, query).toEqual(expect.any(String));
    }
  });

  it('joins a public channel and answers heartbeats (vsn 2.0.0 arrays and 1.0.0 objects)', async () => {
    const v2 = await RawSocket.open(`apikey=${stack.anonKey}&vsn=2.0.0`);
    v2.send([null, '7', 'phoenix', 'heartbeat', {}]);
    expect(arrayFrame(await v2.next((f) => isText(f) && f.includes('"7"')))).toEqual([null, '7', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
    v2.send(['1', '1', `realtime:${tag}-hb`, 'phx_join', { config: { broadcast: { self: false, ack: false }, presence: { key: '' }, postgres_changes: [], private: false } }]);
    expect(arrayFrame(await v2.next((f) => isText(f) && f.startsWith('["1","1"')))).toEqual(['1', '1', `realtime:${tag}-hb`, 'phx_reply', { status: 'ok', response: { postgres_changes: [] } }]);
    v2.close();

    const v1 = await RawSocket.open(`apikey=${stack.publishableKey}&vsn=1.0.0`);
    v1.send({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: '3', join_ref: null });
    expect(JSON.parse(String(await v1.next((f) => isText(f) && f.includes('"ref":"3"'))))).toEqual({
      topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} }, ref: '3', join_ref: null
    });
    v1.close();

    // And supabase-js's own heartbeat gets its reply.
    const c = client();
    await subscribe(c.channel(`${tag}-hb-js`));
    const statuses = new Inbox<string>();
    c.realtime.onHeartbeat((status) => statuses.push(status));
    await c.realtime.sendHeartbeat();
    await expect.poll(() => statuses.items).toContain('ok');
  });
});

describe('broadcast', () => {
  it('delivers to others, to the sender only with self, and acknowledges only with ack', async () => {
    const name = `${tag}-bc`;
    const sender = client().channel(name, { config: { broadcast: { self: true, ack: true } } });
    const quiet = client().channel(name, { config: { broadcast: { self: false } } });
    const other = client().channel(name);
    const mine = new Inbox<unknown>();
    const quietBox = new Inbox<unknown>();
    const theirs = new Inbox<unknown>();
    sender.on('broadcast', { event: 'ping' }, mine.push);
    quiet.on('broadcast', { event: 'ping' }, quietBox.push);
    other.on('broadcast', { event: 'ping' }, theirs.push);
    await Promise.all([subscribe(sender), subscribe(quiet), subscribe(other)]);

    expect(await sender.send({ type: 'broadcast', event: 'ping', payload: { n: 1 } })).toBe('ok');
    expect((await theirs.waitFor(1))[0]).toEqual({ type: 'broadcast', event: 'ping', payload: { n: 1 } });
    expect((await mine.waitFor(1))[0]).toEqual({ type: 'broadcast', event: 'ping', payload: { n: 1 } });
    expect(await quiet.send({ type: 'broadcast', event: 'ping', payload: { n: 2 } })).toBe('ok');
    await theirs.waitFor(2);
    await mine.waitFor(2);
    await sleep(100);
    expect(quietBox.items).toHaveLength(1); // its own message did not come back

    // On the wire: a reply for an ack channel, nothing for a plain one.
    const raw = await RawSocket.open(`apikey=${stack.anonKey}&vsn=2.0.0`);
    const join = (jr: string, topic: string, ack: boolean) =>
      raw.send([jr, jr, topic, 'phx_join', { config: { broadcast: { self: false, ack }, presence: { key: '' }, postgres_changes: [], private: false } }]);
    join('1', `realtime:${name}-ack`, true);
    join('2', `realtime:${name}-noack`, false);
    await raw.next((f) => isText(f) && f.startsWith('["2","2"'));
    raw.send(['1', '10', `realtime:${name}-ack`, 'broadcast', { type: 'broadcast', event: 'x', payload: {} }]);
    raw.send(['2', '11', `realtime:${name}-noack`, 'broadcast', { type: 'broadcast', event: 'x', payload: {} }]);
    expect(arrayFrame(await raw.next((f) => isText(f) && f.includes('"10"')))).toEqual(['1', '10', `realtime:${name}-ack`, 'phx_reply', { status: 'ok', response: {} }]);
    await sleep(150);
    expect(raw.frames.filter((f) => isText(f) && f.includes('"11"'))).toHaveLength(0);
    raw.close();
  });

  it('speaks the binary user-broadcast frames of supabase-js ≥2.91 in both directions', async () => {
    const name = `${tag}-binary`;
    const raw = await RawSocket.open(`apikey=${stack.anonKey}&vsn=2.0.0`);
    raw.send(['1', '1', `realtime:${name}`, 'phx_join', { config: { broadcast: { self: false, ack: false }, presence: { key: '' }, postgres_changes: [], private: false } }]);
    await raw.next((f) => isText(f) && f.startsWith('["1","1"'));
    const sender = client().channel(name);
    const receiver = client().channel(name);
    const got = new Inbox<{ payload: unknown }>();
    receiver.on('broadcast', { event: '*' }, got.push);
    await Promise.all([subscribe(sender), subscribe(receiver)]);

    await sender.send({ type: 'broadcast', event: 'json-evt', payload: { hello: 'wörld' } });
    const frame = (await raw.next((f) => Buffer.isBuffer(f))) as Buffer;
    // kind 4, then topic/event/metadata lengths and the JSON encoding flag
    expect(frame[0]).toBe(4);
    const topicLen = frame[1]!;
    const eventLen = frame[2]!;
    expect(frame[4]).toBe(1);
    expect(frame.subarray(5, 5 + topicLen).toString()).toBe(`realtime:${name}`);
    expect(frame.subarray(5 + topicLen, 5 + topicLen + eventLen).toString()).toBe('json-evt');
    expect(JSON.parse(frame.subarray(5 + topicLen + eventLen + frame[3]!).toString())).toEqual({ hello: 'wörld' });
    expect((await got.waitFor(1))[0]?.payload).toEqual({ hello: 'wörld' });

    // A raw binary payload arrives as the same bytes.
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await sender.send({ type: 'broadcast', event: 'bin-evt', payload: bytes.buffer });
    const received = (await got.waitFor(2))[1]?.payload;
    expect(received).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(received as ArrayBuffer)]).toEqual([0, 1, 2, 250, 255]);
    raw.close();
  });

  it('serves realtime-js on protocol 1.0.0 (JSON object frames) alongside 2.0.0', async () => {
    const name = `${tag}-v1`;
    const v1 = createClient(stack.apiUrl, stack.anonKey, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { vsn: '1.0.0' } });
    clients.push(v1);
    const receiver = v1.channel(name);
    const got = new Inbox<{ payload: unknown }>();
    receiver.on('broadcast', { event: 'hello' }, got.push);
    const sender = client().channel(name, { config: { broadcast: { ack: true } } });
    await Promise.all([subscribe(receiver), subscribe(sender)]);
    expect(await sender.send({ type: 'broadcast', event: 'hello', payload: { to: 'v1' } })).toBe('ok');
    expect((await got.waitFor(1))[0]?.payload).toEqual({ to: 'v1' });
  });

  it('falls back to POST /realtime/v1/api/broadcast (202) when the channel is not joined, and serves httpSend', async () => {
    const name = `${tag}-rest`;
    const receiver = client().channel(name);
    const got = new Inbox<{ event: string; payload: unknown }>();
    receiver.on('broadcast', { event: '*' }, got.push);
    await subscribe(receiver);

    const raw = await fetch(`${stack.apiUrl}/realtime/v1/api/broadcast`, {
      method: 'POST',
      headers: { apikey: stack.anonKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ messages: [{ topic: name, event: 'from-rest', payload: { via: 'fetch' }, private: false }] })
    });
    expect(raw.status).toBe(202);
    expect((await got.waitFor(1))[0]).toMatchObject({ event: 'from-rest', payload: { via: 'fetch' } });

    const unjoined = client(stack.publishableKey).channel(name);
    expect(await unjoined.send({ type: 'broadcast', event: 'fallback', payload: { via: 'send' } })).toBe('ok');
    expect((await got.waitFor(2))[1]).toMatchObject({ event: 'fallback', payload: { via: 'send' } });

    expect(await unjoined.httpSend('explicit', { via: 'httpSend' })).toEqual({ success: true });
    expect((await got.waitFor(3))[2]).toMatchObject({ event: 'explicit', payload: { via: 'httpSend' } });

    const bad = await fetch(`${stack.apiUrl}/realtime/v1/api/broadcast`, {
      method: 'POST',
      headers: { apikey: stack.anonKey, 'Content-Type': 'application/json' },
      body: '{"messages": "nope"}'
    });
    expect(bad.status).toBe(400);
  });
});

describe('presence', () => {
  it('tracks and untracks with presence_state and presence_diff, and leaves on disconnect', async () => {
    const name = `${tag}-presence`;
    const a = client().channel(name, { config: { presence: { key: 'ann' } } });
    const joinsSeenByA = new Inbox<{ key: string }>();
    const leavesSeenByA = new Inbox<{ key: string }>();
    a.on('presence', { event: 'join' }, joinsSeenByA.push);
    a.on('presence', { event: 'leave' }, leavesSeenByA.push);
    await subscribe(a);
    expect(await a.track({ mood: 'calm' })).toBe('ok');
    await joinsSeenByA.waitFor(1);

    const bClient = client();
    const b = bClient.channel(name, { config: { presence: { key: 'ben' } } });
    const synced = new Inbox<void>();
    b.on('presence', { event: 'sync' }, () => synced.push());
    await subscribe(b);
    await synced.waitFor(1);
    await expect.poll(() => b.presenceState()['ann']?.[0]).toMatchObject({ mood: 'calm' });

    expect(await b.track({ mood: 'busy' })).toBe('ok');
    await expect.poll(() => a.presenceState()['ben']?.[0]).toMatchObject({ mood: 'busy' });
    expect(await b.untrack()).toBe('ok');
    await expect.poll(() => a.presenceState()['ben']).toBeUndefined();
    expect(leavesSeenByA.items.map((l) => l.key)).toContain('ben');

    expect(await b.track({ mood: 'back' })).toBe('ok');
    await expect.poll(() => a.presenceState()['ben']?.[0]).toMatchObject({ mood: 'back' });
    bClient.realtime.disconnect();
    await expect.poll(() => a.presenceState()['ben']).toBeUndefined();
    expect(Object.keys(a.presenceState())).toEqual(['ann']);
  });
});

type Change = { eventType: string; new: Record<string, unknown>; old: Record<string, unknown>; table: string; errors: unknown };

describe('postgres_changes', () => {
  it('delivers INSERT, UPDATE and DELETE to matching bindings, by id', async () => {
    const ch = client(stack.anonKey).channel(`${tag}-pg-crud`);
    const inserts = new Inbox<Change>();
    const updates = new Inbox<Change>();
    const deletes = new Inbox<Change>();
    const all = new Inbox<Change>();
    ch.on('postgres_changes', { event: 'INSERT', schema: 'public', table: t.plain }, inserts.push)
      .on('postgres_changes', { event: 'UPDATE', schema: 'public', table: t.plain }, updates.push)
      .on('postgres_changes', { event: 'DELETE', schema: 'public', table: t.plain }, deletes.push)
      .on('postgres_changes', { event: '*', schema: 'public', table: t.plain }, all.push);
    await subscribe(ch);
    const { rows } = await db.query(`insert into public.${t.plain} (kind, n, price) values ('crud', 1, 9.5) returning id`);
    const id = rows[0].id as number;
    await db.query(`update public.${t.plain} set n = 2 where id = $1`, [id]);
    await db.query(`delete from public.${t.plain} where id = $1`, [id]);
    const [ins] = await inserts.waitFor(1);
    expect(ins).toMatchObject({ eventType: 'INSERT', table: t.plain, new: { id, kind: 'crud', n: 1, price: 9.5 }, errors: null });
    expect(Math.abs(new Date(String(ins!.new.at)).getTime() - Date.now())).toBeLessThan(60_000);
    expect((await updates.waitFor(1))[0]).toMatchObject({ eventType: 'UPDATE', new: { id, n: 2 }, old: { id } });
    expect((await deletes.waitFor(1))[0]).toMatchObject({ eventType: 'DELETE', old: { id } });
    expect((await all.waitFor(3)).map((c) => c.eventType)).toEqual(['INSERT', 'UPDATE', 'DELETE']);
    await sleep(100);
    expect([inserts.items.length, updates.items.length, deletes.items.length]).toEqual([1, 1, 1]);
  });

  it('serves table-less schema subscriptions', async () => {
    const ch = client(stack.anonKey).channel(`${tag}-pg-schema`);
    const got = new Inbox<Change>();
    ch.on('postgres_changes', { event: 'INSERT', schema: 'public' }, got.push);
    await subscribe(ch);
    await db.query(`insert into public.${t.plain} (kind) values ('schema-wide')`);
    await db.query(`insert into public.${t.full} (title) values ('schema-wide')`);
    await db.query(`insert into public.${t.unpublished} (title) values ('not published')`);
    const tables = (await got.waitFor(2)).map((c) => c.table);
    expect(tables).toContain(t.plain);
    expect(tables).toContain(t.full);
    await sleep(150);
    expect(got.items.map((c) => c.table)).not.toContain(t.unpublished);
  });

  it('applies the eq, neq, lt, lte, gt, gte and in filters (and newer not./like/AND forms)', async () => {
    const kind = `filters-${Math.random().toString(36).slice(2, 6)}`;
    const filters = ['eq.3', 'neq.3', 'lt.3', 'lte.3', 'gt.3', 'gte.3', 'in.(1,5)', 'not.eq.3', `gt.1,kind=like.${kind}`];
    const ch = client(stack.anonKey).channel(`${tag}-pg-filters`);
    const boxes = filters.map(() => new Inbox<Change>());
    filters.forEach((f, i) => ch.on('postgres_changes', { event: 'INSERT', schema: 'public', table: t.plain, filter: `n=${f}` }, boxes[i]!.push));
    const byKind = new Inbox<Change>();
    ch.on('postgres_changes', { event: 'INSERT', schema: 'public', table: t.plain, filter: `kind=eq.${kind}` }, byKind.push);
    await subscribe(ch);
    for (const n of [1, 3, 5]) await db.query(`insert into public.${t.plain} (kind, n) values ($1, $2)`, [kind, n]);
    await db.query(`insert into public.${t.plain} (kind, n) values ('other', null)`);
    await byKind.waitFor(3);
    await sleep(150);
    const seen = boxes.map((b) => b.items.map((c) => c.new.n).sort());
    expect(Object.fromEntries(filters.map((f, i) => [f, seen[i]]))).toEqual({
      'eq.3': [3], 'neq.3': [1, 5], 'lt.3': [1], 'lte.3': [1, 3], 'gt.3': [5], 'gte.3': [3, 5], 'in.(1,5)': [1, 5],
      'not.eq.3': [1, 5], [`gt.1,kind=like.${kind}`]: [3, 5]
    });
  });

  it('lets RLS hide rows from other users', async () => {
    const aliceCh = client(stack.anonKey, alice.token).channel(`${tag}-pg-rls-a`);
    const bobCh = client(stack.anonKey, bob.token).channel(`${tag}-pg-rls-b`);
    const anonCh = client(stack.anonKey).channel(`${tag}-pg-rls-anon`);
    const a = new Inbox<Change>();
    const b = new Inbox<Change>();
    const n = new Inbox<Change>();
    aliceCh.on('postgres_changes', { event: 'INSERT', schema: 'public', table: t.items }, a.push);
    bobCh.on('postgres_changes', { event: 'INSERT', schema: 'public', table: t.items }, b.push);
    anonCh.on('postgres_changes', { event: 'INSERT', schema: 'public', table: t.items }, n.push);
    await Promise.all([subscribe(aliceCh), subscribe(bobCh), subscribe(anonCh)]);
    await db.query(`insert into public.${t.items} (owner, title, tags, doc) values ($1, 'alice secret', '{a,b}', '{"k":1}')`, [alice.id]);
    await db.query(`insert into public.${t.items} (owner, title) values ($1, 'bob secret')`, [bob.id]);
    expect((await a.waitFor(1))[0]?.new).toMatchObject({ title: 'alice secret', tags: ['a', 'b'], doc: { k: 1 } });
    expect((await b.waitFor(1))[0]?.new).toMatchObject({ title: 'bob secret' });
    await sleep(200);
    expect(a.items.map((c) => c.new.title)).toEqual(['alice secret']);
    expect(b.items.map((c) => c.new.title)).toEqual(['bob secret']);
    // anon has table privileges but no policy: nothing.
    expect(n.items).toHaveLength(0);
  });

  it('sends only the primary key as old_record for a DELETE under RLS', async () => {
    const ch = client(stack.anonKey, alice.token).channel(`${tag}-pg-rls-delete`);
    const got = new Inbox<Change>();
    ch.on('postgres_changes', { event: 'DELETE', schema: 'public', table: t.items }, got.push);
    await subscribe(ch);
    await db.query(`alter table public.${t.items} replica identity full`);
    try {
      const { rows } = await db.query(`insert into public.${t.items} (owner, title) values ($1, 'to delete') returning id`, [alice.id]);
      await db.query(`delete from public.${t.items} where id = $1`, [rows[0].id]);
      expect((await got.waitFor(1))[0]?.old).toEqual({ id: rows[0].id });
    } finally {
      await db.query(`alter table public.${t.items} replica identity default`);
    }
  });

  it('sends the whole old row with REPLICA IDENTITY FULL', async () => {
    const ch = client(stack.anonKey).channel(`${tag}-pg-full`);
    const got = new Inbox<Change>();
    ch.on('postgres_changes', { event: '*', schema: 'public', table: t.full }, got.push);
    await subscribe(ch);
    const { rows } = await db.query(`insert into public.${t.full} (title, n) values ('before', 1) returning id`);
    const id = rows[0].id as number;
    await db.query(`update public.${t.full} set title = 'after' where id = $1`, [id]);
    await db.query(`delete from public.${t.full} where id = $1`, [id]);
    const [, upd, del] = await got.waitFor(3);
    expect(upd).toMatchObject({ eventType: 'UPDATE', new: { id, title: 'after', n: 1 }, old: { id, title: 'before', n: 1 } });
    expect(del).toMatchObject({ eventType: 'DELETE', old: { id, title: 'after', n: 1 } });
  });

  it('omits columns the role may not select, and answers Error 401 when it may not read the key', async () => {
    const anonCh = client(stack.anonKey).channel(`${tag}-pg-cols-anon`);
    const userCh = client(stack.anonKey, bob.token).channel(`${tag}-pg-cols-user`);
    const a = new Inbox<Change>();
    const u = new Inbox<Change>();
    anonCh.on('postgres_changes', { event: 'INSERT', schema: 'public', table: t.cols }, a.push);
    userCh.on('postgres_changes', { event: 'INSERT', schema: 'public', table: t.cols }, u.push);
    await Promise.all([subscribe(anonCh), subscribe(userCh)]);
    const { rows } = await db.query(`insert into public.${t.cols} (title, secret) values ('visible', 'hidden') returning id`);
    expect((await a.waitFor(1))[0]?.new).toEqual({ id: rows[0].id, title: 'visible' });
    const [denied] = await u.waitFor(1);
    expect(denied?.errors).toEqual(['Error 401: Unauthorized']);
    expect(denied?.new).toEqual({});
  });

  it('captures a table created and added to the publication while the server runs', async () => {
    await db.query(`create table public.${t.late} (id serial primary key, title text)`);
    await db.query(`alter publication supabase_realtime add table public.${t.late}`);
    const ch = client(stack.anonKey).channel(`${tag}-pg-late`);
    const got = new Inbox<Change>();
    ch.on('postgres_changes', { event: 'INSERT', schema: 'public', table: t.late }, got.push);
    await subscribe(ch);
    await db.query(`insert into public.${t.late} (title) values ('migrated later')`);
    expect((await got.waitFor(1))[0]?.new).toMatchObject({ title: 'migrated later' });
  });

  it('answers a subscription to a table outside the publication with a system error', async () => {
    const ch = client(stack.anonKey).channel(`${tag}-pg-unpublished`);
    const system = new Inbox<{ extension: string; status: string; message: string }>();
    ch.on('system', {}, system.push);
    ch.on('postgres_changes', { event: '*', schema: 'public', table: t.unpublished }, () => undefined);
    await subscribe(ch);
    const [msg] = await system.waitFor(1);
    expect(msg).toMatchObject({ extension: 'postgres_changes', status: 'error' });
    expect(msg?.message).toMatch(/Unable to subscribe to changes with given parameters/);

    const ok = client(stack.anonKey).channel(`${tag}-pg-published`);
    const okSystem = new Inbox<{ status: string; message: string }>();
    ok.on('system', {}, okSystem.push);
    ok.on('postgres_changes', { event: '*', schema: 'public', table: t.plain }, () => undefined);
    await subscribe(ok);
    expect((await okSystem.waitFor(1))[0]).toMatchObject({ status: 'ok', message: 'Subscribed to PostgreSQL' });
  });
});

describe('private channels', () => {
  it('authorises private channels by the policies on realtime.messages', async () => {
    const allowed = client(stack.anonKey, alice.token).channel(`${tag}-allowed-room`, { config: { private: true, broadcast: { self: true } } });
    const got = new Inbox<{ payload: unknown }>();
    allowed.on('broadcast', { event: 'secret' }, got.push);
    await subscribe(allowed);
    await allowed.send({ type: 'broadcast', event: 'secret', payload: { ok: true } });
    expect((await got.waitFor(1))[0]?.payload).toEqual({ ok: true });

    const denied = client(stack.anonKey, bob.token).channel(`${tag}-denied-room`, { config: { private: true } });
    await expect(subscribe(denied)).rejects.toThrow(/Unauthorized: You do not have permissions to read from this Channel topic/);
    const anonDenied = client(stack.anonKey).channel(`${tag}-allowed-room`, { config: { private: true } });
    await expect(subscribe(anonDenied)).rejects.toThrow(/Unauthorized/);

    // The public channel of the same name is a different topic.
    const publicTwin = client(stack.anonKey).channel(`${tag}-allowed-room`);
    const twin = new Inbox<unknown>();
    publicTwin.on('broadcast', { event: 'secret' }, twin.push);
    await subscribe(publicTwin);
    await allowed.send({ type: 'broadcast', event: 'secret', payload: { ok: 2 } });
    await got.waitFor(2);
    await sleep(100);
    expect(twin.items).toHaveLength(0);
  });

  it('delivers realtime.send and broadcast_changes from SQL to private subscribers', async () => {
    const ch = client(stack.anonKey, alice.token).channel(`${tag}-allowed-db`, { config: { private: true } });
    const got = new Inbox<{ event: string; payload: Record<string, unknown> }>();
    ch.on('broadcast', { event: '*' }, got.push);
    await subscribe(ch);
    await db.query(`select realtime.send('{"from":"sql"}'::jsonb, 'db-event', $1, true)`, [`${tag}-allowed-db`]);
    expect((await got.waitFor(1))[0]).toMatchObject({ event: 'db-event', payload: { from: 'sql' } });

    const { rows } = await db.query(`insert into public.${t.audit} (title) values ('audited') returning id`);
    const audit = client(stack.anonKey, alice.token).channel(`audit:${rows[0].id + 1}`, { config: { private: true, broadcast: { self: true } } });
    const auditBox = new Inbox<{ event: string; payload: Record<string, unknown> }>();
    audit.on('broadcast', { event: '*' }, auditBox.push);
    await subscribe(audit);
    // Alice may read audit topics but not write them: her own send is dropped.
    await audit.send({ type: 'broadcast', event: 'forged', payload: {} });
    await db.query(`insert into public.${t.audit} (title) values ('audited again')`);
    expect((await auditBox.waitFor(1))[0]).toMatchObject({ event: 'INSERT', payload: { operation: 'INSERT', table: t.audit, record: { title: 'audited again' } } });
    await sleep(100);
    expect(auditBox.items.map((m) => m.event)).toEqual(['INSERT']);

    // Public subscribers of the same name see none of it.
    const pub = client(stack.anonKey).channel(`${tag}-allowed-db`);
    const pubBox = new Inbox<unknown>();
    pub.on('broadcast', { event: '*' }, pubBox.push);
    await subscribe(pub);
    await db.query(`select realtime.send('{"n":2}'::jsonb, 'db-event', $1, true)`, [`${tag}-allowed-db`]);
    await got.waitFor(2);
    await sleep(100);
    expect(pubBox.items).toHaveLength(0);
  });
});

describe('tokens', () => {
  it('takes a new token from setAuth (access_token push) and switches the RLS identity', async () => {
    let current = alice.token;
    const c = client(stack.anonKey, () => current);
    const ch = c.channel(`${tag}-setauth`);
    const got = new Inbox<Change>();
    ch.on('postgres_changes', { event: 'INSERT', schema: 'public', table: t.items }, got.push);
    await subscribe(ch);
    await db.query(`insert into public.${t.items} (owner, title) values ($1, 'for alice')`, [alice.id]);
    expect((await got.waitFor(1))[0]?.new.title).toBe('for alice');
    current = bob.token;
    await c.realtime.setAuth();
    await sleep(200);
    await db.query(`insert into public.${t.items} (owner, title) values ($1, 'for alice again')`, [alice.id]);
    await db.query(`insert into public.${t.items} (owner, title) values ($1, 'for bob')`, [bob.id]);
    expect((await got.waitFor(2))[1]?.new.title).toBe('for bob');
    await sleep(150);
    expect(got.items.map((x) => x.new.title)).toEqual(['for alice', 'for bob']);
  });

  it('closes the channel with a system error when its token expires or an expired token is pushed', async () => {
    const c = client(stack.anonKey, userToken(alice.id, 3));
    await c.realtime.setAuth();
    const ch = c.channel(`${tag}-expiry`);
    const system = new Inbox<{ status: string; message: string; extension: string }>();
    const statuses = new Inbox<string>();
    ch.on('system', {}, system.push);
    ch.subscribe((s) => statuses.push(s));
    await statuses.waitFor(1);
    expect(statuses.items[0]).toBe('SUBSCRIBED');
    const [msg] = await system.waitFor(1, 6_000);
    expect(msg).toMatchObject({ extension: 'system', status: 'error' });
    expect(msg?.message).toMatch(/Token has expired/);
    await expect.poll(() => statuses.items).toContain('CLOSED');

    let current = alice.token;
    const c2 = client(stack.anonKey, () => current);
    await c2.realtime.setAuth();
    const ch2 = c2.channel(`${tag}-expired-push`);
    const system2 = new Inbox<{ status: string; message: string }>();
    const statuses2 = new Inbox<string>();
    ch2.on('system', {}, system2.push);
    ch2.subscribe((s) => statuses2.push(s));
    await statuses2.waitFor(1);
    current = signHs256({ sub: alice.id, role: 'authenticated', exp: Math.floor(Date.now() / 1000) - 10 }, stack.jwtSecret);
    await c2.realtime.setAuth();
    expect((await system2.waitFor(1))[0]).toMatchObject({ status: 'error', message: expect.stringMatching(/Token has expired/) });
    await expect.poll(() => statuses2.items).toContain('CLOSED');
  });
});
