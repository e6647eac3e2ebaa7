// Bad input never gets a 5xx. 2,000 correctly signed but malformed vendor callbacks (Twilio status, AMD, TwiML and
// browser TwiML signed with the auth token as Twilio signs; Stripe events signed with the webhook secret) and 2,000
// malformed requests to /rest/v1 and to the product's functions (random JSON shapes, wrong types, huge values,
// unicode, NUL, missing fields, bad methods), through the gateway as a caller would send them. Every answer must be
// below 500, and the ledger must still balance afterwards. The run is seeded: FUZZ_SEED replays one.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHs256 } from '../keys.ts';
import { stackStatus } from '../stack.ts';
import { mulberry32 } from '../testing/prng.ts';
import { stack } from '../testing/stack_env.ts';
import { signatureHeader } from '../vendors/stripe/signing.ts';

const VENDOR = Number(process.env.FUZZ_VENDOR ?? 2000);
const OTHER = Number(process.env.FUZZ_OTHER ?? 2000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const status = stackStatus();
const twilioToken = String(status.TWILIO_AUTH_TOKEN);
const stripeSecret = String(status.STRIPE_WEBHOOK_SECRET);
const functions = `${stack.apiUrl}/functions/v1`;

interface FuzzRequest {
  kind: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

let db: pg.Pool;
let userId: string;
let userToken: string;

function generate(rnd: () => number): FuzzRequest[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const hex = (n: number) => Array.from({ length: n }, () => pick('0123456789abcdef'.split(''))).join('');
  const weird = (): string => pick([
    '', ' ', '0', '-1', '1.5', '1e3', '1e309', 'NaN', 'Infinity', '-0', '0x1f', '٣', '２', '9'.repeat(30), '2147483648',
    '-2147483649', '99999999999', 'null', 'true', '[]', '{}', 'abc', 'é'.repeat(50), '\u0000', 'a\u0000b', '😀',
    '\uFFFF', '"', "'; drop table calls; --", 'x'.repeat(5000), '<Response/>', '%', '%zz', '\r\n'
  ]);
  // Header values must be bytes: weird text with everything outside printable ASCII dropped.
  const headerText = (): string => weird().replace(/[^\x20-\x7e]/g, '').slice(0, 200);
  const intish = (): string => chance(0.3) ? String(Math.floor(rnd() * 50)) : weird();
  const callSid = (): string => chance(0.6) ? `CA${hex(32)}` : pick([weird(), `CA${hex(31)}`, `ca${hex(32)}`, `CA${hex(32)}x`]);
  const uuid = (): string => chance(0.6) ? randomUUID() : weird();
  const callStatus = (): string => chance(0.6)
    ? pick(['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled'])
    : weird();
  const answeredBy = (): string => chance(0.5)
    ? pick(['human', 'machine_start', 'machine_end_beep', 'machine_end_silence', 'machine_end_other', 'fax', 'unknown'])
    : weird();

  // Form parameters as Twilio would send them, some repeated, some missing, some junk.
  const form = (fields: Record<string, () => string>): Record<string, string | string[]> => {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(fields)) if (chance(0.85)) out[k] = chance(0.05) ? [v(), v()] : v();
    if (chance(0.3)) out[pick(['Extra', 'Caller', 'To', 'From', weird() || 'k'])] = weird();
    return out;
  };
  const encode = (params: Record<string, string | string[]>): string => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
    return q.toString();
  };
  const twilio = (kind: string, slug: string, query: string, params: Record<string, string | string[]>): FuzzRequest => {
    const url = `${functions}/${slug}${query}`;
    return {
      kind, method: 'POST', url, body: encode(params),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': getExpectedTwilioSignature(twilioToken, url, params) }
    };
  };
  const callIdQuery = () => (chance(0.9) ? `?call_id=${encodeURIComponent(uuid())}` : '');

  // JSON values of every shape, for Stripe event fields and request bodies.
  const value = (depth = 0): unknown => {
    const r = rnd();
    if (depth > 2 || r < 0.5) {
      return pick<unknown>([null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, weird(), weird(), randomUUID()]);
    }
    if (r < 0.75) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 5) }, () => [pick(['id', 'name', 'amount', 'user_id', weird() || 'k']), value(depth + 1)]));
  };
  const stripeTypes = ['checkout.session.completed', 'checkout.session.async_payment_succeeded', 'checkout.session.expired',
    'payment_intent.succeeded', 'payment_intent.amount_capturable_updated', 'payment_intent.canceled', 'payment_intent.payment_failed',
    'invoice.paid', 'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted', 'charge.refunded',
    'customer.created'];
  const stripeObject = (): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    const fields: Record<string, () => unknown> = {
      id: () => pick([`cs_${hex(12)}`, `pi_${hex(12)}`, `in_${hex(12)}`, `sub_${hex(12)}`, `ch_${hex(12)}`, value()]),
      customer: () => pick<unknown>([null, 42, {}, [], '', weird(), `cus ${hex(4)}`]),
      mode: () => pick<unknown>(['payment', 'subscription', weird(), 1]),
      payment_status: () => pick<unknown>(['paid', 'unpaid', weird(), null]),
      payment_intent: () => pick<unknown>([`pi_${hex(12)}`, null, weird(), 7]),
      amount_received: () => pick<unknown>([100, -1, 1e20, '12', weird(), null, 2 ** 31]),
      amount: () => pick<unknown>([100, -5, 1e20, weird()]),
      amount_captured: () => pick<unknown>([0, 100, 1e20, weird()]),
      amount_refunded: () => pick<unknown>([50, -1, 1e20, weird()]),
      status: () => pick<unknown>(['active', 'canceled', weird(), 3]),
      current_period_start: () => pick<unknown>([1_700_000_000, -1, 1e20, weird()]),
      current_period_end: () => pick<unknown>([1_800_000_000, 1e20, weird()]),
      cancel_at_period_end: () => pick<unknown>([true, 'maybe', 1, null]),
      metadata: () => chance(0.2) ? value() : {
        user_id: pick<unknown>([userId, randomUUID(), weird(), 5, null]),
        credits: pick<unknown>(['100', '0', '-5', '1e3', '99999999999', weird(), 100]),
        kind: pick<unknown>(['credit_pack', weird()]),
        plan: pick<unknown>(['starter', weird(), 'x'.repeat(60)]),
        monthly_credits: pick<unknown>(['500', weird()])
      },
      parent: () => value(),
      items: () => pick<unknown>([{ data: [{ current_period_start: weird(), current_period_end: 1e20 }] }, value()]),
      lines: () => value()
    };
    for (const [k, f] of Object.entries(fields)) if (chance(0.6)) o[k] = f();
    return o;
  };
  const stripeEvent = (): string => {
    const e: Record<string, unknown> = {
      id: chance(0.85) ? `evt_${hex(16)}` : value(),
      object: 'event',
      type: chance(0.85) ? pick(stripeTypes) : value(),
      created: chance(0.85) ? Math.floor(Date.now() / 1000) : pick<unknown>([-1, 1e20, '1700000000', weird(), null]),
      livemode: chance(0.95) ? false : pick<unknown>([true, 'false', 0, null]),
      data: chance(0.9) ? { object: chance(0.9) ? stripeObject() : value() } : value()
    };
    for (const k of Object.keys(e)) if (chance(0.04)) delete e[k];
    return chance(0.03) ? pick(['null', '[]', '"evt"', '12', '{', '']) : JSON.stringify(e);
  };
  const stripe = (kind: string, payload: string): FuzzRequest => ({
    kind, method: 'POST', url: `${functions}/stripe-webhook`, body: payload,
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signatureHeader(payload, stripeSecret) }
  });
  // A permanent conflict: one purchase's PaymentIntent paid for the 500-credit pack by its session, then "succeeded"
  // with the 1,000-credit pack's amount: two different grants under one idempotency key.
  const conflict = (): FuzzRequest[] => {
    const pi = `pi_${hex(16)}`;
    const created = Math.floor(Date.now() / 1000);
    const session = {
      id: `cs_${hex(16)}`, mode: 'payment', payment_status: 'paid', payment_intent: pi, customer: null, amount_total: 500, currency: 'usd',
      metadata: { user_id: userId, credits: '500' }
    };
    const intent = { id: pi, customer: null, amount_received: 1000, currency: 'usd', metadata: { kind: 'credit_pack', user_id: userId, credits: '1000' } };
    return [
      stripe('stripe conflicting pair', JSON.stringify({ id: `evt_${hex(16)}`, object: 'event', type: 'checkout.session.completed', created, livemode: false, data: { object: session } })),
      stripe('stripe conflicting pair', JSON.stringify({ id: `evt_${hex(16)}`, object: 'event', type: 'payment_intent.succeeded', created, livemode: false, data: { object: intent } }))
    ];
  };

  const vendorMakers: (() => FuzzRequest | FuzzRequest[])[] = [
    () => twilio('twilio status', 'twilio-status', '', form({ CallSid: callSid, CallStatus: callStatus, SequenceNumber: intish, CallDuration: intish, AnsweredBy: answeredBy, Timestamp: weird })),
    () => twilio('twilio status', 'twilio-status', '', form({ CallSid: callSid, CallStatus: callStatus, SequenceNumber: intish, CallDuration: intish })),
    () => twilio('twilio amd', 'twilio-amd', callIdQuery(), form({ CallSid: callSid, AnsweredBy: answeredBy, MachineDetectionDuration: intish })),
    () => twilio('twilio twiml', 'twilio-twiml', callIdQuery(), form({ CallSid: callSid, AnsweredBy: answeredBy, CallStatus: callStatus })),
    () => twilio('twilio browser twiml', 'twilio-browser-twiml', '', form({
      CallSid: callSid, ApplicationSid: () => `AP${hex(32)}`, AccountSid: weird, From: () => `client:${uuid()}`, call_id: uuid
    })),
    () => stripe('stripe event', stripeEvent()),
    () => (chance(0.5) ? conflict() : stripe('stripe event', stripeEvent()))
  ];

  // Requests any caller can send to the REST API and the functions.
  const tables = ['scheduled_calls', 'calls', 'users', 'personas', 'user_phone_numbers', 'call_scenario_templates', 'user_credits',
    'credit_transactions', 'budgets', 'call_transcript_segments', 'phone_verifications', 'stripe_events', `no_such_${hex(4)}`];
  const slugs = ['calls-create', 'calls-cancel', 'billing-checkout', 'billing-manage', 'phone-verify-start', 'phone-verify-check', 'browser-call-token',
    'persona-voice-sample', 'tts-voices', 'health', 'dispatch-scheduled-calls', 'calls-reconcile'];
  const body = (): string => pick([
    () => JSON.stringify(value()),
    () => JSON.stringify({}),
    () => JSON.stringify([{}]),
    () => JSON.stringify([{}, {}]),
    () => JSON.stringify(Object.fromEntries(['persona_id', 'phone_number_id', 'scheduled_time', 'timezone', 'local_time', 'mode', 'call_id',
      'phone_number', 'code', 'pack', 'plan', 'setup', 'action', 'max_duration_minutes', 'recurrence', 'status', 'name', 'id'].filter(() => chance(0.4)).map((k) => [k, value()]))),
    () => pick(['{', '[', 'null', '"x"', '12', '', '{"a":1}{', '\u0000', '{"a":"\\u0000"}', '[' .repeat(200)])
  ])();
  const auth = (): Record<string, string> => pick([
    () => ({ apikey: stack.anonKey }),
    () => ({ apikey: stack.anonKey, Authorization: `Bearer ${userToken}` }),
    () => ({ apikey: stack.publishableKey }),
    () => ({ apikey: stack.anonKey, Authorization: `Bearer ${hex(40)}` }),
    () => ({})
  ])();
  const method = (): string => pick(['GET', 'POST', 'POST', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD', 'OPTIONS']);
  const query = (): string => pick(['', '?select=*', `?id=eq.${uuid()}`, `?select=${encodeURIComponent(weird())}`, `?${encodeURIComponent(weird())}=eq.1`,
    '?limit=-1', `?order=${encodeURIComponent(weird())}`, `?columns=${encodeURIComponent(weird())}`]);
  const otherMakers: (() => FuzzRequest)[] = [
    () => ({ kind: 'rest', method: method(), url: `${stack.apiUrl}/rest/v1/${pick(tables)}${query()}`, headers: { 'Content-Type': 'application/json', ...auth() }, body: body() }),
    () => ({ kind: 'rest insert', method: 'POST', url: `${stack.apiUrl}/rest/v1/${pick(tables)}`, headers: { 'Content-Type': 'application/json', Prefer: pick(['', 'return=representation', 'resolution=merge-duplicates', headerText()]), ...auth() }, body: body() }),
    () => ({ kind: 'rest rpc', method: pick(['GET', 'POST']), url: `${stack.apiUrl}/rest/v1/rpc/${pick(['claim_due_scheduled_calls', 'ledger_violations', `f_${hex(4)}`])}`, headers: { 'Content-Type': 'application/json', ...auth() }, body: body() }),
    () => ({ kind: 'function', method: method(), url: `${functions}/${pick(slugs)}`, headers: { 'Content-Type': pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', '']), ...auth() }, body: body() }),
    () => ({ kind: 'function', method: 'POST', url: `${functions}/${pick(slugs)}`, headers: { 'Content-Type': 'application/json', apikey: stack.anonKey, Authorization: `Bearer ${userToken}` }, body: body() }),
    () => ({ kind: 'unsigned vendor', method: 'POST', url: `${functions}/${pick(['twilio-status', 'twilio-amd', 'twilio-twiml', 'twilio-browser-twiml', 'stripe-webhook'])}`, headers: { 'Content-Type': pick(['application/json', 'application/x-www-form-urlencoded']), 'X-Twilio-Signature': pick([hex(28), '']), 'Stripe-Signature': pick([`t=${headerText()},v1=${hex(64)}`, headerText()]) }, body: body() })
  ];

  const vendor: FuzzRequest[] = [];
  while (vendor.length < VENDOR) vendor.push(...[vendorMakers[Math.floor(rnd() * vendorMakers.length)]!()].flat());
  const other: FuzzRequest[] = [];
  while (other.length < OTHER) other.push(pick(otherMakers)());
  return [...vendor.slice(0, VENDOR), ...other];
}

beforeAll(async () => {
  db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
  userId = randomUUID();
  await db.query(
    `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
     values ($1, 'authenticated', 'authenticated', $2, now(), '{"provider":"email"}', '{}', now(), now())`,
    [userId, `fuzz-${userId}@example.test`]);
  const now = Math.floor(Date.now() / 1000);
  userToken = signHs256({ aud: 'authenticated', exp: now + 3600, iat: now, sub: userId, role: 'authenticated', session_id: randomUUID() }, stack.jwtSecret);
});

afterAll(async () => {
  await db.end();
});

describe('malformed input', () => {
  it(`answers ${VENDOR} signed malformed vendor callbacks and ${OTHER} malformed API requests below 500 (seed ${seed})`, async () => {
    console.log(`malformed input fuzz: seed ${seed} (FUZZ_SEED=${seed} replays it)`);
    const requests = generate(mulberry32(seed));
    const started = new Date();
    const failures: string[] = [];
    const byKind = new Map<string, Map<number, number>>();
    const msByKind = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        const r = requests[i]!;
        const t0 = performance.now();
        const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body });
        const text = await res.text();
        msByKind.set(r.kind, (msByKind.get(r.kind) ?? 0) + performance.now() - t0);
        if (res.status >= 500) failures.push(`#${i} ${r.kind} ${r.method} ${r.url.slice(0, 100)} ${(r.body ?? '').slice(0, 160)} → ${res.status} ${text.slice(0, 200)}`);
        const counts = byKind.get(r.kind) ?? new Map<number, number>();
        counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
        byKind.set(r.kind, counts);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    console.log([...byKind].map(([k, c]) => {
      const n = [...c.values()].reduce((a, b) => a + b, 0);
      return `${k}: ${[...c].sort((a, b) => a[0] - b[0]).map(([s, x]) => `${s}×${x}`).join(' ')} (mean ${Math.round(msByKind.get(k)! / n)} ms)`;
    }).join('\n'));
    expect(failures.slice(0, 30)).toEqual([]);
    expect(requests.length).toBe(VENDOR + OTHER);

    const violations = await db.query('select * from private.ledger_violations()');
    expect(violations.rows).toEqual([]);
    // Of each conflicting pair (sent at once, so either may come first) one is applied and the other, whose idempotent
    // apply conflicts, is answered 2xx and left for the operator.
    const pairs = byKind.get('stripe conflicting pair');
    expect(pairs && [...pairs.keys()]).toEqual([200]);
    const sent = [...pairs!.values()].reduce((a, b) => a + b, 0);
    const anomalies = await db.query<{ n: number }>(
      `select count(*)::int as n from private.webhook_anomalies
        where source = 'stripe' and code = 'idempotency_key_reused' and received_at >= $1 and payload like $2`,
      [started, `%${userId}%`]);
    expect(anomalies.rows[0]!.n).toBe(Math.floor(sent / 2));
  }, 120_000);
});
