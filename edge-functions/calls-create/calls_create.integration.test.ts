// "Call now" at the handler level against devstack's Postgres (ledger functions, RLS-protected tables) and the
// Twilio stand-in: every refusal leaves nothing behind, a placed call holds exactly its estimate.
import assert from 'node:assert/strict';
import type pg from 'pg';
import { addVerifiedNumber } from '../../devstack/src/testing/fresh_number.ts';
import { createUser, sessionFor, stackEnv, testPool } from '../_shared/testing.ts';
import { DEFAULT_CALL_LIMITS } from '../_shared/place_call.ts';
import { twilioClient, type TwilioClient } from '../_shared/twilio_client.ts';
import { handleCallsCreate, type CallsCreateDeps } from './handler.ts';

const db = testPool();
const BRAD = 'a0000000-0000-4000-8000-000000000001';
const twilio = twilioClient({
  accountSid: stackEnv('TWILIO_ACCOUNT_SID'), authToken: stackEnv('TWILIO_AUTH_TOKEN'), verifyServiceSid: stackEnv('TWILIO_VERIFY_SERVICE_SID'),
  apiBase: stackEnv('TWILIO_API_BASE'), verifyBase: stackEnv('TWILIO_API_BASE')
});
const opts = { sanitizeResources: false, sanitizeOps: false };

const randomIp = () => `198.18.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;

async function caller(tag: string) {
  const user = await createUser(db, tag);
  const n = await addVerifiedNumber(db, user.id);
  const s = sessionFor(user.id);
  // The stand-in's callbacks go to an address nothing listens on: these tests look at what calls-create did.
  const deps = (over: Partial<CallsCreateDeps> = {}): CallsCreateDeps => ({
    session: s.deps, db: db as unknown as CallsCreateDeps['db'], twilio, publicApiUrl: 'http://127.0.0.1:9',
    twilioFromNumber: stackEnv('TWILIO_FROM_NUMBER'), demoMode: true, ...over
  });
  // As the platform's proxy delivers it: whatever the client sent, then the address the proxy saw (null: no header).
  const ownIp = randomIp();
  const call = (body: Record<string, unknown>, d = deps(), ip: string | null = ownIp, sent = '203.0.113.7') =>
    handleCallsCreate(new Request('http://functions/calls-create', {
      method: 'POST', body: JSON.stringify(body), headers: { authorization: s.authorization, ...(ip ? { 'x-forwarded-for': `${sent}, ${ip}` } : {}) }
    }), d);
  return { user, phoneId: n.id, deps, call };
}

async function state(userId: string) {
  const c = await db.query<{ available_credits: number; reserved_credits: number }>('select available_credits::int, reserved_credits::int from public.user_credits where user_id = $1', [userId]);
  const calls = await db.query('select 1 from public.calls where user_id = $1', [userId]);
  const ledger = await db.query<{ type: string }>('select type from public.credit_transactions where user_id = $1 order by id', [userId]);
  return { ...c.rows[0]!, calls: calls.rowCount, ledger: ledger.rows.map((r: { type: string }) => r.type) };
}

const errorCode = async (r: Response) => ((await r.json()) as { error: { code: string } }).error.code;

Deno.test({ ...opts, name: 'a credits call is reserved for its estimate, stored and handed to Twilio', fn: async () => {
  const c = await caller('place');
  const before = await state(c.user.id);
  const res = await c.call({ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId, payment_method: 'credits', max_duration_minutes: 3 });
  assert.equal(res.status, 201);
  const body = await res.json();
  assert.equal(body.max_duration_seconds, 180);
  assert.ok(body.estimated_cost_cents > 0);
  const row = (await db.query<{ status: string; twilio_call_sid: string; reserved_credits: number; payment_status: string }>(
    'select status, twilio_call_sid, reserved_credits, payment_status from public.calls where id = $1', [body.call_id])).rows[0]!;
  assert.match(row.twilio_call_sid, /^CA[0-9a-f]{32}$/);
  assert.equal(row.payment_status, 'reserved');
  assert.equal(row.reserved_credits, body.estimated_cost_cents);
  const after = await state(c.user.id);
  assert.equal(after.available_credits, before.available_credits - body.estimated_cost_cents);
  assert.equal(after.reserved_credits, body.estimated_cost_cents);
  assert.deepEqual(after.ledger, [...before.ledger, 'reservation']);
  await twilio.hangUp(row.twilio_call_sid);
}});

Deno.test({ ...opts, name: 'dry_run answers the estimate and stores nothing', fn: async () => {
  const c = await caller('dry');
  const res = await c.call({ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId, payment_method: 'credits', max_duration_minutes: 2, dry_run: true });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.status, 'estimate');
  assert.equal(body.max_duration_seconds, 120);
  assert.equal((await state(c.user.id)).calls, 0);
}});

Deno.test({ ...opts, name: 'refusals say which rule refused and change nothing', fn: async () => {
  const c = await caller('refuse');
  const other = await caller('other');
  const before = await state(c.user.id);
  const cases: [Record<string, unknown>, string][] = [
    [{ persona_id: '00000000-0000-4000-8000-000000000000', mode: 'phone', phone_number_id: c.phoneId }, 'persona_not_found'],
    [{ persona_id: BRAD, mode: 'phone', phone_number_id: other.phoneId }, 'number_not_verified'],
    [{ persona_id: BRAD, mode: 'phone' }, 'number_not_verified'],
    [{ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId, max_duration_minutes: 0 }, 'invalid_input'],
    [{ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId, payment_method: 'bitcoin' }, 'invalid_input'],
    [{ persona_id: BRAD, mode: 'fax' }, 'invalid_input']
  ];
  for (const [body, code] of cases) assert.equal(await errorCode(await c.call(body)), code, JSON.stringify(body));

  await db.query('update public.user_budget_settings set max_cost_per_call_cents = 1 where user_id = $1', [c.user.id]);
  const perCall = await c.call({ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId });
  assert.equal(perCall.status, 402);
  const perCallBody = await perCall.json();
  assert.equal(perCallBody.error.code, 'budget_exceeded_per_call');
  assert.match(perCallBody.error.message, /^Even a one-minute call costs about \$\d+\.\d\d, more than your per-call limit of \$0\.01\./);

  await db.query('update public.user_budget_settings set max_cost_per_call_cents = 2, max_monthly_spend_cents = 2 where user_id = $1', [c.user.id]);
  assert.equal(await errorCode(await c.call({ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId })), 'budget_exceeded_per_call');
  await db.query('update public.user_budget_settings set max_cost_per_call_cents = 300, max_monthly_spend_cents = 300 where user_id = $1', [c.user.id]);
  const spent = (method: string) => db.query(
    `insert into public.calls (user_id, persona_id, mode, payment_method, max_duration_seconds, status, payment_status, actual_cost_cents, ended_at)
     values ($1, $2, 'browser', $3, 60, 'completed', 'settled', 299, now())`, [c.user.id, BRAD, method]);
  // A free demo call records what it would have cost but spends nothing of the month's budget.
  await spent('demo');
  assert.equal((await c.call({ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId, dry_run: true })).status, 200);
  await spent('credits');
  const monthly = await (await c.call({ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId })).json();
  assert.equal(monthly.error.code, 'budget_exceeded_monthly');
  assert.match(monthly.error.message, /^Only \$0\.01 of your monthly limit is left, and a one-minute call costs about \$\d+\.\d\d\./);

  const after = await state(c.user.id);
  assert.deepEqual([after.available_credits, after.reserved_credits, after.ledger], [before.available_credits, before.reserved_credits, before.ledger]);
}});

Deno.test({ ...opts, name: 'a persona of one\'s own is called like a built-in one; another user\'s or a deleted one is not found', fn: async () => {
  const c = await caller('own-persona');
  const other = await caller('own-persona-other');
  const own = async (ownerId: string) => (await db.query<{ id: string }>(
    `insert into public.personas (owner_id, name, voice_id, description, system_prompt)
     values ($1, 'Nova', '21m00Tcm4TlvDq8ikWAM', 'calm', 'A calm astronaut.') returning id`, [ownerId])).rows[0]!.id;
  const mine = await own(c.user.id);
  const theirs = await own(other.user.id);
  const estimate = (persona_id: string) => c.call({ persona_id, mode: 'phone', phone_number_id: c.phoneId, payment_method: 'credits', dry_run: true });
  assert.equal((await estimate(mine)).status, 200);
  assert.equal(await errorCode(await estimate(theirs)), 'persona_not_found');
  await db.query('update public.personas set deleted_at = now() where id = $1', [mine]);
  assert.equal(await errorCode(await estimate(mine)), 'persona_not_found');
  assert.equal((await state(c.user.id)).calls, 0);
}});

Deno.test({ ...opts, name: 'when Twilio refuses, the reservation is released and the call is marked failed', fn: async () => {
  const c = await caller('twilio-down');
  const before = await state(c.user.id);
  const broken: Pick<TwilioClient, 'createCall'> = { createCall: () => Promise.reject(new Error('connect ECONNREFUSED')) };
  const res = await c.call({ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId }, c.deps({ twilio: broken }));
  assert.equal(await errorCode(res), 'provider_unavailable');
  const after = await state(c.user.id);
  assert.equal(after.available_credits, before.available_credits);
  assert.equal(after.reserved_credits, 0);
  assert.deepEqual(after.ledger, [...before.ledger, 'reservation', 'settlement']);
  const row = (await db.query<{ status: string; payment_status: string; end_reason: string }>('select status, payment_status, end_reason from public.calls where user_id = $1', [c.user.id])).rows[0]!;
  assert.deepEqual(row, { status: 'failed', payment_status: 'released', end_reason: 'provider_error' });
}});

Deno.test({ ...opts, name: 'a double click with the same key places one call; parallel clicks place one call', fn: async () => {
  const c = await caller('double');
  const fake: Pick<TwilioClient, 'createCall'> = { createCall: () => Promise.resolve({ sid: `CA${crypto.randomUUID().replace(/-/g, '')}`, status: 'queued', duration: null }) };
  const body = { persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId, idempotency_key: 'click-1' };
  const a = await (await c.call(body, c.deps({ twilio: fake }))).json();
  const b = await (await c.call(body, c.deps({ twilio: fake }))).json();
  assert.equal(a.call_id, b.call_id);
  assert.equal(b.replayed, true);

  const d = await caller('parallel');
  const results = await Promise.all(Array.from({ length: 6 }, () => d.call({ persona_id: BRAD, mode: 'phone', phone_number_id: d.phoneId }, d.deps({ twilio: fake }))));
  assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409]);
  const s = await state(d.user.id);
  assert.equal(s.calls, 1);
  assert.equal(s.ledger.filter((t: string) => t === 'reservation').length, 1);
}});

const fakeTwilio = (): Pick<TwilioClient, 'createCall'> & { at: number[] } => {
  const at: number[] = [];
  return { at, createCall: () => { at.push(Date.now()); return Promise.resolve({ sid: `CA${crypto.randomUUID().replace(/-/g, '')}`, status: 'queued', duration: null }); } };
};
const limits = (over: Partial<typeof DEFAULT_CALL_LIMITS>) => ({ ...DEFAULT_CALL_LIMITS, ...over });

Deno.test({ ...opts, name: 'one address cannot place more than its hourly calls across accounts; others still can', fn: async () => {
  const ip = randomIp();
  const twilioFake = fakeTwilio();
  const tight = { twilio: twilioFake, limits: limits({ callsPerIpPerHour: 2, callsPerSecond: 1000 }) };
  for (const tag of ['ip-a', 'ip-b']) {
    const c = await caller(tag);
    assert.equal((await c.call({ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId }, c.deps(tight), ip)).status, 201);
  }
  const third = await caller('ip-c');
  const before = await state(third.user.id);
  const refused = await third.call({ persona_id: BRAD, mode: 'phone', phone_number_id: third.phoneId }, third.deps(tight), ip);
  assert.equal(refused.status, 429);
  const body = (await refused.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'rate_limited');
  assert.match(body.error.message, /from your network/);
  assert.deepEqual(await state(third.user.id), before);
  assert.equal(twilioFake.at.length, 2);
  // The same user from another address is not held back by it.
  assert.equal((await third.call({ persona_id: BRAD, mode: 'phone', phone_number_id: third.phoneId }, third.deps(tight), randomIp())).status, 201);
  const stored = await db.query<{ client_ip: string }>('select client_ip from public.calls where user_id = $1', [third.user.id]);
  assert.match(stored.rows[0]!.client_ip, /^198\.18\./);
}});

Deno.test({ ...opts, name: 'busy and unanswered attempts do not count towards the hourly calls; a refusal says when it resets', fn: async () => {
  const c = await caller('hourly');
  const tz = await db.query(`update public.users set timezone = 'UTC' where id = $1`, [c.user.id]);
  assert.equal(tz.rowCount, 1);
  // Ten attempts in the last hour that cost nothing: a busy line, no answer, failed dials, one cancelled before it rang.
  const attempt = (status: string, minutesAgo: number, answered = false) => db.query(
    `insert into public.calls (user_id, persona_id, mode, phone_number, status, payment_method, max_duration_seconds,
                               estimated_cost_cents, created_at, answered_at, duration_seconds, media_ended_at)
     values ($1, $2, 'phone', '+14155550100', $3, 'demo', 300, 45, now() - make_interval(mins => $4),
             case when $5 then now() - make_interval(mins => $4) end, case when $5 then 60 end,
             case when $5 then now() - make_interval(mins => $4 - 1) end)
     returning id`,
    [c.user.id, BRAD, status, minutesAgo, answered]);
  for (let i = 0; i < 10; i++) await attempt(['busy', 'no_answer', 'failed', 'canceled'][i % 4]!, 5 + i);
  const tight = c.deps({ twilio: fakeTwilio(), limits: limits({ callsPerSecond: 1000 }) });
  const placed = await c.call({ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId, payment_method: 'demo' }, tight);
  assert.equal(placed.status, 201, await placed.clone().text());
  await db.query(`update public.calls set status = 'completed', answered_at = now(), duration_seconds = 30, media_ended_at = now() where id = $1`,
    [((await placed.json()) as { call_id: string }).call_id]);

  // Nine answered calls more make ten that connected: the next one is refused until the oldest leaves the hour.
  for (let i = 0; i < 9; i++) await attempt('completed', 20 + i * 4, true);
  const before = await state(c.user.id);
  const refused = await c.call({ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId, payment_method: 'demo' }, tight);
  assert.equal(refused.status, 429);
  const retryAfter = Number(refused.headers.get('retry-after'));
  const body = (await refused.json()) as { error: { code: string; message: string; retry_at: string } };
  assert.equal(body.error.code, 'rate_limited');
  // The oldest answered call was 52 minutes ago: it leaves the hour in about 8 minutes.
  assert.ok(retryAfter > 6 * 60 && retryAfter <= 8 * 60, `Retry-After ${retryAfter}`);
  const at = new Date(body.error.retry_at);
  const clock = at.toISOString().slice(11, 16);
  assert.match(body.error.message, new RegExp(`^You have had 10 calls in the last hour\\. Try again at ${clock} UTC \\(in [78] minutes\\)\\.$`));
  assert.deepEqual(await state(c.user.id), before, 'a refusal changes nothing');
}});

Deno.test({ ...opts, name: 'a forged X-Forwarded-For neither escapes the address limit nor charges another address', fn: async () => {
  const ip = randomIp();
  const tight = { twilio: fakeTwilio(), limits: limits({ callsPerIpPerHour: 1, callsPerSecond: 1000 }) };
  const first = await caller('forge-a');
  assert.equal((await first.call({ persona_id: BRAD, mode: 'phone', phone_number_id: first.phoneId }, first.deps(tight), ip)).status, 201);
  // A client of the same address sends someone else's address on the left: the proxy's entry is what counts.
  const second = await caller('forge-b');
  const refused = await second.call({ persona_id: BRAD, mode: 'phone', phone_number_id: second.phoneId }, second.deps(tight), ip, randomIp());
  assert.equal(await errorCode(refused), 'rate_limited');
  // A client elsewhere naming the used-up address is not held to it.
  const third = await caller('forge-c');
  assert.equal((await third.call({ persona_id: BRAD, mode: 'phone', phone_number_id: third.phoneId }, third.deps(tight), randomIp(), ip)).status, 201);
}});

Deno.test({ ...opts, name: 'requests without an address share one bucket instead of skipping the address limit', fn: async () => {
  const tight = { twilio: fakeTwilio(), limits: limits({ callsPerIpPerHour: 1, callsPerSecond: 1000 }) };
  const a = await caller('noaddr-a');
  const b = await caller('noaddr-b');
  // Earlier runs may have used the shared bucket already: at most one of the two gets through, never both.
  const statuses = [];
  for (const c of [a, b]) statuses.push((await c.call({ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId }, c.deps(tight), null)).status);
  assert.equal(statuses.filter((st) => st === 201).length <= 1, true, `both placed: ${statuses}`);
  assert.equal(statuses.at(-1), 429);
  const stored = await db.query<{ client_ip: string }>('select client_ip from public.calls where user_id = any($1)', [[a.user.id, b.user.id]]);
  for (const r of stored.rows) assert.equal(r.client_ip, 'unknown');
}});

Deno.test({ ...opts, name: 'call-now dials are paced: each takes its own second under the global calls-per-second pace', fn: async () => {
  const twilioFake = fakeTwilio();
  const waits: { at: number; ms: number }[] = [];
  const paced = { twilio: twilioFake, limits: limits({ callsPerSecond: 2 }), sleep: (ms: number) => { waits.push({ at: Date.now(), ms }); return Promise.resolve(); } };
  const callers = await Promise.all(['pace-a', 'pace-b', 'pace-c'].map((t) => caller(t)));
  for (const c of callers) {
    assert.equal((await c.call({ persona_id: BRAD, mode: 'phone', phone_number_id: c.phoneId }, c.deps(paced))).status, 201);
  }
  assert.equal(twilioFake.at.length, 3);
  // Without real waiting the three calls come back to back, so the later ones are told to wait; the seconds they
  // were given are at least one step (500 ms) apart, allowing for the clock read between database and here.
  assert.ok(waits.length >= 2, `expected at least two waits, got ${JSON.stringify(waits)}`);
  const slots = waits.map((w) => w.at + w.ms);
  for (let i = 1; i < slots.length; i++) assert.ok(slots[i]! - slots[i - 1]! >= 450, `slots too close: ${JSON.stringify(waits)}`);
}});

Deno.test({ ...opts, name: 'when no dial second is free soon enough the call is refused and its reservation released', fn: async () => {
  const slow = { twilio: fakeTwilio(), limits: limits({ callsPerSecond: 0.01, maxDialWaitMs: 0 }) };
  const a = await caller('busy-pace-a');
  await a.call({ persona_id: BRAD, mode: 'phone', phone_number_id: a.phoneId }, a.deps(slow));
  const b = await caller('busy-pace-b');
  const before = await state(b.user.id);
  const res = await b.call({ persona_id: BRAD, mode: 'phone', phone_number_id: b.phoneId }, b.deps(slow));
  assert.equal(await errorCode(res), 'rate_limited');
  const after = await state(b.user.id);
  assert.deepEqual([after.available_credits, after.reserved_credits], [before.available_credits, before.reserved_credits]);
  const row = (await db.query<{ status: string; payment_status: string }>('select status, payment_status from public.calls where user_id = $1', [b.user.id])).rows[0]!;
  assert.deepEqual(row, { status: 'failed', payment_status: 'released' });
}});

Deno.test({ ...opts, name: 'a browser call through Twilio is estimated with a line; a softphone call without one', fn: async () => {
  const c = await caller('browser-estimate');
  const estimate = async (body: Record<string, unknown>, over: Partial<CallsCreateDeps>) =>
    ((await (await c.call({ persona_id: BRAD, max_duration_minutes: 5, dry_run: true, ...body }, c.deps(over))).json()) as { estimated_cost_cents: number }).estimated_cost_cents;
  const phone = await estimate({ mode: 'phone', phone_number_id: c.phoneId }, {});
  const viaTwilio = await estimate({ mode: 'browser' }, { browserCallsViaTwilio: true });
  const softphone = await estimate({ mode: 'browser' }, { browserCallsViaTwilio: false });
  assert.equal(viaTwilio, phone);
  assert.ok(softphone < viaTwilio, `softphone ${softphone} should cost less than ${viaTwilio}`);
}});

Deno.test({ ...opts, name: 'close the pool', fn: async () => { await (db as pg.Pool).end(); } });
