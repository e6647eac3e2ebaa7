// One user floods scheduled calls as an attacker would, through /rest/v1 with their own session: a 1,000-row request,
// client-chosen ids, then 1,000 single-row requests. The per-request and per-user limits refuse everything past them.
// Then the same minute is flooded with 1,000 rows written directly as service code, and another user's call due that
// minute is still claimed in the dispatcher's first batch, at its own second.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHs256 } from '../keys.ts';
import { stack } from '../testing/stack_env.ts';

const PERSONA = 'a0000000-0000-4000-8000-000000000001';
const MAX_PENDING = 50;
const tag = `flood-${Date.now().toString(36)}`;
// A minute a day ahead: inside the 90-day booking window, far from anything the live dispatcher is ringing.
const due = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 24 * 3600_000);

interface User {
  id: string;
  numberId: string;
  token: string;
}

let db: pg.Pool;
let flooder: User;
let honest: User;

async function createUser(name: string, number: string): Promise<User> {
  const id = randomUUID();
  await db.query(
    `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
     values ($1, 'authenticated', 'authenticated', $2, now(), '{"provider":"email"}', '{}', now(), now())`,
    [id, `${tag}-${name}@example.test`]);
  const n = await db.query<{ id: string }>(
    `insert into public.user_phone_numbers (user_id, phone_number, country_code) values ($1, $2, 'US') returning id`, [id, number]);
  // A signed-in session, as Auth records it: writes that lead to spending need a live one.
  const sessionId = randomUUID();
  await db.query('insert into auth.sessions (id, user_id, created_at) values ($1, $2, now())', [sessionId, id]);
  const now = Math.floor(Date.now() / 1000);
  const token = signHs256({ aud: 'authenticated', exp: now + 3600, iat: now, sub: id, role: 'authenticated', session_id: sessionId }, stack.jwtSecret);
  return { id, numberId: n.rows[0]!.id, token };
}

function booking(u: User, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { persona_id: PERSONA, phone_number_id: u.numberId, scheduled_time: due.toISOString(), timezone: 'UTC', local_time: '07:00', ...extra };
}

async function post(u: User, body: unknown): Promise<{ status: number; body: { code?: string; message?: string } }> {
  const res = await fetch(`${stack.apiUrl}/rest/v1/scheduled_calls`, {
    method: 'POST',
    headers: { apikey: stack.anonKey, Authorization: `Bearer ${u.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body)
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

async function pendingOf(u: User): Promise<number> {
  const r = await db.query<{ n: number }>(`select count(*)::int as n from public.scheduled_calls where user_id = $1 and status = 'pending'`, [u.id]);
  return r.rows[0]!.n;
}

beforeAll(async () => {
  db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
  flooder = await createUser('flooder', '+14155550171');
  honest = await createUser('honest', '+14155550172');
});

afterAll(async () => {
  await db.query('delete from public.scheduled_calls where user_id = any($1::uuid[])', [[flooder.id, honest.id]]);
  await db.query('delete from auth.users where id = any($1::uuid[])', [[flooder.id, honest.id]]);
  await db.end();
});

describe('a scheduled-call flood from one user', () => {
  it('refuses a 1,000-row request whole', async () => {
    const r = await post(flooder, Array.from({ length: 1000 }, () => booking(flooder)));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('P0001');
    expect(r.body.message).toMatch(/^too_many_rows_per_request: Book at most 1 scheduled call per request/);
    expect(await pendingOf(flooder)).toBe(0);
  });

  it('refuses a booking that names its own id', async () => {
    const r = await post(flooder, booking(flooder, { id: randomUUID() }));
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('42501');
    expect(await pendingOf(flooder)).toBe(0);
  });

  it(`accepts ${MAX_PENDING} of 1,000 single-row requests, eight at a time, and refuses the rest with a reason`, async () => {
    const statuses: number[] = [];
    const refusals = new Set<string>();
    let next = 0;
    const worker = async () => {
      while (next < 1000) {
        next++;
        const r = await post(flooder, booking(flooder));
        statuses.push(r.status);
        if (r.status !== 201) refusals.add(`${r.status} ${r.body.code} ${r.body.message?.split(':')[0]}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(statuses.filter((s) => s === 201).length).toBe(MAX_PENDING);
    expect([...refusals]).toEqual(['400 P0001 too_many_pending_calls']);
    expect(await pendingOf(flooder)).toBe(MAX_PENDING);
  });

  it('still claims another user\'s call due the same minute in the first batch, one second after the minute', async () => {
    const mine = await post(honest, booking(honest));
    expect(mine.status).toBe(201);
    // Service code is not limited; ids below the honest call's, so "oldest first, then by id" would reach it last.
    await db.query(
      `insert into public.scheduled_calls (id, user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time)
       select ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, $1, $2, $3, $4, 'UTC', '07:00'
         from generate_series(1, 1000) g`,
      [flooder.id, PERSONA, flooder.numberId, due]);
    const batch = await db.query<{ user_id: string; status: string; late_s: number }>(
      `select user_id, status, extract(epoch from dial_at - scheduled_time)::int as late_s
         from private.claim_due_scheduled_calls(p_limit => 100, p_calls_per_second => 1, p_now => $1, p_user_ids => $2::uuid[])`,
      [due, [flooder.id, honest.id]]);
    const honestRows = batch.rows.filter((r) => r.user_id === honest.id);
    // Round-robin: one dial second per user with a call due, so the flood's first row goes at :00 and this one at :01.
    expect(honestRows).toEqual([{ user_id: honest.id, status: 'claimed', late_s: 1 }]);
    expect(batch.rows.filter((r) => r.user_id === flooder.id && r.status === 'claimed').length).toBe(90);
  });
});
