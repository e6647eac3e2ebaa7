// Pay-per-call by card against devstack's Postgres and Stripe stand-in, through the real handlers: calls-create holds
// the card for the estimate, Twilio's status callbacks capture the actual cost or cancel the hold, and however often
// settlement runs (repeated callbacks, the reconciler, at the same time) the card is captured once.
import assert from 'node:assert/strict';
import type pg from 'pg';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { handleCallsCreate, type CallsCreateDeps } from '../calls-create/handler.ts';
import { handleTwilioStatus } from '../twilio-status/handler.ts';
import { CardRefusal, MINIMUM_HOLD_CENTS, stripeCardPayments } from './card_payments.ts';
import { stripeClient } from './stripe_client.ts';
import { addVerifiedNumber } from '../../devstack/src/testing/fresh_number.ts';
import { createUser, sessionFor, stackEnv, testPool } from './testing.ts';
import type { TwilioClient } from './twilio_client.ts';

const db = testPool();
const STRIPE_BASE = stackEnv('STRIPE_API_BASE');
const STRIPE_KEY = stackEnv('STRIPE_SECRET_KEY');
const stripe = stripeClient(STRIPE_KEY, STRIPE_BASE);
const cards = stripeCardPayments(stripe, db);
const BRAD = 'a0000000-0000-4000-8000-000000000001';
const TOKEN = 'card-status-test-token';
const PUBLIC = 'https://api.callmeback.test';
const statusDeps = { db, publicApiUrl: PUBLIC, authTokens: [TOKEN], cards };
const opts = { sanitizeResources: false, sanitizeOps: false };

/** Twilio stand-in replacement that only records what would have been dialled. */
function recordingTwilio() {
  const dialled: string[] = [];
  const twilio: Pick<TwilioClient, 'createCall'> = {
    createCall: (p) => {
      dialled.push(p.to);
      return Promise.resolve({ sid: `CA${crypto.randomUUID().replace(/-/g, '')}`, status: 'queued', duration: null });
    }
  };
  return { twilio, dialled };
}

/** A signed-in user with a verified number and, optionally, a saved default card at the Stripe stand-in. */
/** Waits until Stripe reports the payment_method.attached event of this card delivered to the webhook endpoint. */
async function attachDelivered(pmId: string): Promise<void> {
  for (;;) {
    const events = await stripe.events.list({ type: 'payment_method.attached', limit: 100 });
    const e = events.data.find((x) => (x.data.object as { id?: string }).id === pmId);
    if (e && e.pending_webhooks === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function caller(tag: string, testCard: string | null, twilioOverride?: Pick<TwilioClient, 'createCall'>, savedHere = true) {
  const user = await createUser(db, tag);
  const n = await addVerifiedNumber(db, user.id);
  if (testCard) {
    const customer = await stripe.customers.create({ email: user.email, metadata: { user_id: user.id } });
    const pm = await stripe.paymentMethods.attach(testCard, { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
    await db.query('update public.users set stripe_customer_id = $2 where id = $1', [user.id, customer.id]);
    // Attaching the card sends payment_method.attached, whose webhook may save it here (the user's first card) or not
    // (it may come before the customer is linked): wait until Stripe reports it delivered, then set what the test needs.
    await attachDelivered(pm.id);
    if (savedHere) {
      // The saved card, as the webhook records it from a succeeded SetupIntent.
      await db.query(
        `insert into public.payment_cards (user_id, stripe_payment_method_id, brand, last4, exp_month, exp_year, stripe_synced_at)
         values ($1, $2, $3, $4, $5, $6, now())
         on conflict (user_id) do update set stripe_payment_method_id = excluded.stripe_payment_method_id`,
        [user.id, pm.id, pm.card!.brand, pm.card!.last4, pm.card!.exp_month, pm.card!.exp_year]);
    } else {
      // A customer from before cards were saved here has no record.
      await db.query('delete from public.payment_cards where user_id = $1', [user.id]);
    }
  }
  const s = sessionFor(user.id);
  const t = recordingTwilio();
  const deps: CallsCreateDeps = {
    session: s.deps, db: db as unknown as CallsCreateDeps['db'], twilio: twilioOverride ?? t.twilio, publicApiUrl: 'http://127.0.0.1:9',
    twilioFromNumber: stackEnv('TWILIO_FROM_NUMBER'), demoMode: true, cards
  };
  const placeCardCall = async () => {
    const res = await handleCallsCreate(new Request('http://functions/calls-create', {
      method: 'POST', headers: { authorization: s.authorization },
      body: JSON.stringify({ persona_id: BRAD, mode: 'phone', phone_number_id: n.id, payment_method: 'card', max_duration_minutes: 3 })
    }), deps);
    return { status: res.status, body: await res.json() };
  };
  return { user, placeCardCall, dialled: t.dialled };
}

function callback(params: Record<string, string>): Request {
  const sig = getExpectedTwilioSignature(TOKEN, `${PUBLIC}/functions/v1/twilio-status`, params);
  return new Request('http://127.0.0.1:9999/twilio-status', {
    method: 'POST', body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig }
  });
}

async function status(callSid: string, callStatus: string, seq: number, duration?: number) {
  const p: Record<string, string> = { CallSid: callSid, CallStatus: callStatus, SequenceNumber: String(seq) };
  if (duration !== undefined) p.CallDuration = String(duration);
  const res = await handleTwilioStatus(callback(p), statusDeps);
  assert.equal(res.status, 200);
  return (await res.json()) as { outcome: string; status: string; settlement: string | null };
}

interface CallRow {
  status: string; payment_status: string; payment_intent_id: string | null; twilio_call_sid: string | null;
  estimated_cost_cents: number; actual_cost_cents: number | null; end_reason: string | null;
}
const callRow = async (id: string) => (await db.query<CallRow>(
  `select status, payment_status, payment_intent_id, twilio_call_sid, estimated_cost_cents, actual_cost_cents, end_reason
     from public.calls where id = $1`, [id])).rows[0]!;

/** What the call's usage costs the user, computed here from the cost events (provider cost with markup, rounded up). */
async function expectedCharge(callId: string): Promise<number> {
  const r = await db.query<{ usd: string }>(
    `select coalesce(sum(e.cost_usd * (1 + coalesce(r.markup_percent, 0) / 100)), 0)::text as usd
       from public.call_cost_events e left join public.service_rates r on r.id = e.rate_id where e.call_id = $1`, [callId]);
  return Math.ceil(Number(r.rows[0]!.usd) * 100 - 1e-9);
}

/** Events the Stripe stand-in emitted about one PaymentIntent (or its charge), by type. */
async function standInEvents(piId: string): Promise<string[]> {
  const r = await fetch(`${STRIPE_BASE}/__devstack/events`);
  const { events } = (await r.json()) as { events: { type: string; data: { object: { id: string; payment_intent?: string } } }[] };
  return events.filter((e) => e.data.object.id === piId || e.data.object.payment_intent === piId).map((e) => e.type);
}

const count = (list: string[], item: string) => list.filter((x) => x === item).length;

Deno.test({ ...opts, name: 'a card call is held for its estimate, and a completed call is captured for its actual cost', fn: async () => {
  const c = await caller('card-done', 'pm_card_visa');
  const placed = await c.placeCardCall();
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  assert.equal(placed.body.payment_method, 'card');
  assert.equal(placed.body.reserved_credits, 0);
  const id: string = placed.body.call_id;
  const row = await callRow(id);
  assert.equal(row.payment_status, 'authorized');
  assert.match(row.payment_intent_id!, /^pi_/);
  assert.equal(c.dialled.length, 1);

  const held = await stripe.paymentIntents.retrieve(row.payment_intent_id!);
  const hold = Math.max(placed.body.estimated_cost_cents, MINIMUM_HOLD_CENTS);
  assert.equal(held.status, 'requires_capture');
  assert.equal(held.capture_method, 'manual');
  assert.equal(held.amount, hold);
  assert.equal(held.amount_capturable, hold);
  assert.equal(held.currency, 'usd');
  assert.deepEqual(held.metadata, { call_id: id, user_id: c.user.id });
  const customer = (await db.query<{ c: string }>('select stripe_customer_id as c from public.users where id = $1', [c.user.id])).rows[0]!.c;
  assert.equal(held.customer, customer);

  await status(row.twilio_call_sid!, 'in-progress', 1);
  await db.query('update public.calls set media_ended_at = now() where id = $1', [id]);
  const done = await status(row.twilio_call_sid!, 'completed', 2, 75);
  // The stand-in's webhook may record the same capture first; either way it is recorded once.
  assert.ok(['settled', 'already_settled'].includes(done.settlement!), done.settlement!);

  const charge = await expectedCharge(id);
  assert.ok(charge > 0 && charge < hold, `actual ${charge} should be below the hold ${hold}`);
  const captured = await stripe.paymentIntents.retrieve(row.payment_intent_id!);
  assert.equal(captured.status, 'succeeded');
  assert.equal(captured.amount_received, charge);
  const after = await callRow(id);
  assert.equal(after.payment_status, 'settled');
  assert.equal(after.actual_cost_cents, charge);
}});

Deno.test({ ...opts, name: 'a busy call cancels the hold and charges nothing', fn: async () => {
  const c = await caller('card-busy', 'pm_card_visa');
  const placed = await c.placeCardCall();
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  const row = await callRow(placed.body.call_id);
  await status(row.twilio_call_sid!, 'ringing', 1);
  const busy = await status(row.twilio_call_sid!, 'busy', 2, 0);
  assert.ok(['released', 'already_released'].includes(busy.settlement!), busy.settlement!);
  const pi = await stripe.paymentIntents.retrieve(row.payment_intent_id!);
  assert.equal(pi.status, 'canceled');
  assert.equal(pi.amount_received, 0);
  const events = await standInEvents(pi.id);
  assert.equal(count(events, 'charge.captured'), 0);
  const after = await callRow(placed.body.call_id);
  assert.deepEqual([after.status, after.payment_status, after.actual_cost_cents], ['busy', 'released', 0]);
}});

Deno.test({ ...opts, name: 'when the Stripe webhook recorded the outcome first, settlement only fills in the amount', fn: async () => {
  const c = await caller('card-webhook-first', 'pm_card_visa');
  const placed = await c.placeCardCall();
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  const id: string = placed.body.call_id;
  const row = await callRow(id);
  // The call ended unanswered and the hold was cancelled; payment_intent.canceled was ingested before settlement ran.
  await stripe.paymentIntents.cancel(row.payment_intent_id!);
  await db.query(`update public.calls set status = 'no_answer', end_reason = 'no_answer' where id = $1`, [id]);
  await db.query(`update public.calls set payment_status = 'released' where id = $1 and payment_status = 'authorized'`, [id]);
  assert.equal(await cards.settleCardCall(id), 'already_released');
  assert.equal((await db.query<{ s: string }>('select private.record_card_settlement($1, $2, 0) as s', [row.payment_intent_id, 'canceled'])).rows[0]!.s, 'already_released');
  const after = await callRow(id);
  assert.deepEqual([after.payment_status, after.actual_cost_cents], ['released', 0]);
}});

Deno.test({ ...opts, name: 'a declined card refuses the call with payment_failed and nothing is dialled or held', fn: async () => {
  const c = await caller('card-declined', 'pm_card_chargeDeclined');
  const placed = await c.placeCardCall();
  assert.equal(placed.status, 402);
  assert.equal(placed.body.error.code, 'payment_failed');
  assert.deepEqual(c.dialled, []);
  const rows = await db.query<{ id: string }>('select id from public.calls where user_id = $1', [c.user.id]);
  assert.equal(rows.rowCount, 1);
  const row = await callRow(rows.rows[0]!.id);
  assert.deepEqual([row.status, row.end_reason, row.payment_intent_id, row.twilio_call_sid], ['failed', 'payment_failed', null, null]);

  // The declined PaymentIntent was closed at Stripe rather than left waiting for another card.
  const r = await fetch(`${STRIPE_BASE}/__devstack/events`);
  const { events } = (await r.json()) as { events: { type: string; data: { object: { id: string; status?: string; metadata?: Record<string, string> } } }[] };
  const mine = events.filter((e) => e.data.object.metadata?.call_id === rows.rows[0]!.id);
  assert.ok(mine.some((e) => e.type === 'payment_intent.payment_failed'));
  const pi = await stripe.paymentIntents.retrieve(mine[0]!.data.object.id);
  assert.equal(pi.status, 'canceled');

  // The reconciler finds nothing to take: the call is recorded as a failed payment.
  assert.equal(await cards.settleCardCall(rows.rows[0]!.id), 'failed');
  assert.equal((await callRow(rows.rows[0]!.id)).payment_status, 'failed');
}});

Deno.test({ ...opts, name: 'without a saved card the hold is refused as card_missing and no call is dialled', fn: async () => {
  const c = await caller('card-missing', null);
  await assert.rejects(cards.authorize(c.user.id, crypto.randomUUID(), 300),
    (err: unknown) => err instanceof CardRefusal && err.error.code === 'card_missing');
  const placed = await c.placeCardCall();
  assert.equal(placed.status, 402);
  assert.deepEqual(c.dialled, []);
}});

Deno.test({ ...opts, name: 'a card at Stripe that was never saved here pays for nothing: card_missing before any hold', fn: async () => {
  const c = await caller('card-not-saved', 'pm_card_visa', undefined, false);
  const placed = await c.placeCardCall();
  assert.equal(placed.status, 402);
  assert.equal(placed.body.error.code, 'card_missing');
  assert.equal(placed.body.error.message, 'You have no saved card. Save one on the Billing page, or pay with credits.');
  assert.deepEqual(c.dialled, []);
  const calls = await db.query('select 1 from public.calls where user_id = $1', [c.user.id]);
  assert.equal(calls.rowCount, 0, 'no call row, so nothing was held');
}});

Deno.test({ ...opts, name: 'when Twilio refuses the call, the hold is cancelled and recorded as released', fn: async () => {
  const down: Pick<TwilioClient, 'createCall'> = { createCall: () => Promise.reject(new Error('connect ECONNREFUSED')) };
  const c = await caller('card-twilio-down', 'pm_card_visa', down);
  const placed = await c.placeCardCall();
  assert.equal(placed.body.error.code, 'provider_unavailable');
  const id = (await db.query<{ id: string }>('select id from public.calls where user_id = $1', [c.user.id])).rows[0]!.id;
  const row = await callRow(id);
  assert.deepEqual([row.status, row.payment_status, row.actual_cost_cents], ['failed', 'released', 0]);
  const pi = await stripe.paymentIntents.retrieve(row.payment_intent_id!);
  assert.equal(pi.status, 'canceled');
  assert.equal(await cards.settleCardCall(id), 'already_released');
}});

Deno.test({ ...opts, name: 'settling again and again (callback twice, reconciler, at the same time) captures once', fn: async () => {
  const c = await caller('card-twice', 'pm_card_visa');
  const placed = await c.placeCardCall();
  assert.equal(placed.status, 201, JSON.stringify(placed.body));
  const id: string = placed.body.call_id;
  const row = await callRow(id);
  await status(row.twilio_call_sid!, 'in-progress', 1);
  await db.query('update public.calls set media_ended_at = now() where id = $1', [id]);

  const outcomes = await Promise.all([
    status(row.twilio_call_sid!, 'completed', 2, 130).then((r) => r.settlement),
    cards.settleCardCall(id),
    cards.settleCardCall(id)
  ]);
  const again = await status(row.twilio_call_sid!, 'completed', 2, 130);
  assert.equal(again.outcome, 'duplicate');
  outcomes.push(again.settlement, await cards.settleCardCall(id));
  assert.ok(outcomes.every((o) => ['settled', 'already_settled', 'not_finished'].includes(String(o))), JSON.stringify(outcomes));
  assert.equal(outcomes.at(-1), 'already_settled');

  const charge = await expectedCharge(id);
  const pi = await stripe.paymentIntents.retrieve(row.payment_intent_id!);
  assert.equal(pi.amount_received, charge);
  const events = await standInEvents(pi.id);
  assert.equal(count(events, 'charge.captured'), 1, events.join(', '));
  assert.equal(count(events, 'payment_intent.succeeded'), 1);
  const after = await callRow(id);
  assert.deepEqual([after.payment_status, after.actual_cost_cents], ['settled', charge]);
}});

Deno.test({ ...opts, name: 'close the pool', fn: async () => { await (db as pg.Pool).end(); } });
