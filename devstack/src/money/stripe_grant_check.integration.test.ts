// Credit purchases and plan renewals are granted from what was paid, never from metadata alone: events signed with
// the stack's webhook secret (the stripe SDK's generateTestHeaderString, as Stripe signs them) go through the real
// stripe-webhook function behind the gateway, and the ledger gets the credits of the pack or plan the amount paid for.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDIT_PACKS, PLANS } from '../../../core/src/catalogue.ts';
import { stackStatus } from '../stack.ts';
import { stack } from '../testing/stack_env.ts';

const WEBHOOK_SECRET = String(stackStatus().STRIPE_WEBHOOK_SECRET);
const stripe = new Stripe('sk_test_unused', { maxNetworkRetries: 0 });
const db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
let userId = '';

beforeAll(async () => {
  userId = randomUUID();
  await db.query(
    `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
     values ($1, 'authenticated', 'authenticated', $2, now(), '{"provider":"email"}', '{}')`, [userId, `stripe-check-${userId}@example.test`]);
});

afterAll(async () => {
  await db.query('delete from auth.users where id = $1', [userId]);
  await db.end();
});

/** Posts one event to the stripe-webhook function, signed as Stripe signs it. */
async function deliver(object: Record<string, unknown>, type = 'checkout.session.completed'): Promise<Response> {
  const payload = JSON.stringify({
    id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', type, api_version: '2025-03-31.basil',
    created: Math.floor(Date.now() / 1000), livemode: false, data: { object }
  });
  return fetch(`${stack.apiUrl}/functions/v1/stripe-webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) },
    body: payload
  });
}

/** A paid Checkout Session for a credit pack, as Stripe sends it; `over` replaces fields. */
function paidSession(over: Record<string, unknown>): Record<string, unknown> {
  const id = `cs_test_${randomUUID().replace(/-/g, '')}`;
  return {
    id, object: 'checkout.session', mode: 'payment', payment_status: 'paid', status: 'complete', currency: 'usd',
    amount_subtotal: 500, amount_total: 500, client_reference_id: userId, payment_intent: `pi_${randomUUID().replace(/-/g, '')}`,
    metadata: { user_id: userId, kind: 'credit_pack', item: 'credits_500', credits: '500' },
    ...over
  };
}

const balance = async () => Number((await db.query('select available_credits from public.user_credits where user_id = $1', [userId])).rows[0].available_credits);
const grantOf = async (pi: unknown) =>
  (await db.query('select amount from public.credit_transactions where stripe_object_id = $1', [pi])).rows.map((r) => Number(r.amount));
const anomaliesOf = async (objectId: unknown) =>
  (await db.query('select kind, claimed_credits, granted_credits, amount_cents, currency from private.payment_anomalies where stripe_object_id = $1', [objectId])).rows;

describe('credit grants from Stripe are checked against what was paid', () => {
  it('the database sells the same packs as the catalogue the checkout charges', async () => {
    const rows = (await db.query('select id, credits, price_cents, currency from private.credit_packs order by price_cents')).rows;
    expect(rows.map((r) => ({ id: r.id, credits: Number(r.credits), priceCents: Number(r.price_cents), currency: r.currency })))
      .toEqual([...CREDIT_PACKS].sort((a, b) => a.priceCents - b.priceCents).map((p) => ({ id: p.id, credits: p.credits, priceCents: p.priceCents, currency: 'usd' })));
  });

  it('the database sells the same plans as the catalogue the checkout charges', async () => {
    const rows = (await db.query('select id, monthly_credits, price_cents, currency from private.subscription_plans order by price_cents')).rows;
    expect(rows.map((r) => ({ id: r.id, monthlyCredits: Number(r.monthly_credits), priceCents: Number(r.price_cents), currency: r.currency })))
      .toEqual([...PLANS].sort((a, b) => a.priceCents - b.priceCents).map((p) => ({ id: p.id, monthlyCredits: p.monthlyCredits, priceCents: p.priceCents, currency: 'usd' })));
  });

  it('a renewal invoice whose metadata claims 100,000 monthly credits but paid the Plus price grants Plus\'s credits', async () => {
    const before = await balance();
    const plus = PLANS.find((p) => p.id === 'plus')!;
    const invoiceId = `in_${randomUUID().replace(/-/g, '')}`;
    const forged = { user_id: userId, plan: 'pro', monthly_credits: '100000' };
    const res = await deliver({
      id: invoiceId, object: 'invoice', billing_reason: 'subscription_cycle', status: 'paid', currency: 'usd',
      amount_due: plus.priceCents, amount_paid: plus.priceCents,
      parent: { type: 'subscription_details', subscription_details: { subscription: `sub_${randomUUID().replace(/-/g, '')}`, metadata: forged } },
      lines: { object: 'list', data: [{ id: 'il_1', object: 'line_item', amount: plus.priceCents, currency: 'usd', metadata: forged }] }
    }, 'invoice.paid');
    expect(res.status).toBe(200);
    expect(await grantOf(invoiceId)).toEqual([plus.monthlyCredits]);
    expect(await balance()).toBe(before + plus.monthlyCredits);
    expect(await anomaliesOf(invoiceId)).toEqual([
      { kind: 'metadata_mismatch', claimed_credits: '100000', granted_credits: String(plus.monthlyCredits), amount_cents: String(plus.priceCents), currency: 'usd' }
    ]);
  });

  it('a session whose metadata claims 10,000 credits but paid for the 500-credit pack grants 500 and records why', async () => {
    const before = await balance();
    const session = paidSession({ metadata: { user_id: userId, kind: 'credit_pack', item: 'credits_5500', credits: '10000' } });
    const res = await deliver(session);
    expect(res.status).toBe(200);
    expect(await grantOf(session.payment_intent)).toEqual([500]);
    expect(await balance()).toBe(before + 500);
    expect(await anomaliesOf(session.payment_intent)).toEqual([
      { kind: 'metadata_mismatch', claimed_credits: '10000', granted_credits: '500', amount_cents: '500', currency: 'usd' }
    ]);
  });

  it('the same claim on payment_intent.succeeded grants what was received, not the metadata', async () => {
    const before = await balance();
    const pi = `pi_${randomUUID().replace(/-/g, '')}`;
    const res = await deliver({
      id: pi, object: 'payment_intent', amount: 2500, amount_received: 2500, currency: 'usd', status: 'succeeded',
      metadata: { user_id: userId, kind: 'credit_pack', item: 'credits_2500', credits: '99999' }
    }, 'payment_intent.succeeded');
    expect(res.status).toBe(200);
    expect(await grantOf(pi)).toEqual([2500]);
    expect(await balance()).toBe(before + 2500);
  });

  it('an amount or currency that buys no pack grants nothing and keeps the payment for a person to resolve', async () => {
    const before = await balance();
    const odd = paidSession({ amount_subtotal: 730, amount_total: 730 });
    const euros = paidSession({ currency: 'eur' });
    for (const s of [odd, euros]) expect((await deliver(s)).status).toBe(200);
    expect(await balance()).toBe(before);
    expect(await grantOf(odd.payment_intent)).toEqual([]);
    expect(await anomaliesOf(odd.payment_intent)).toEqual([
      { kind: 'amount_unmatched', claimed_credits: '500', granted_credits: '0', amount_cents: '730', currency: 'usd' }
    ]);
    expect((await anomaliesOf(euros.payment_intent))[0]).toMatchObject({ kind: 'amount_unmatched', currency: 'eur', granted_credits: '0' });
  });

  it('a matching purchase grants the pack with its bonus and records no anomaly', async () => {
    const before = await balance();
    const session = paidSession({ amount_subtotal: 5000, amount_total: 5000, metadata: { user_id: userId, kind: 'credit_pack', item: 'credits_5500', credits: '5500' } });
    expect((await deliver(session)).status).toBe(200);
    expect(await grantOf(session.payment_intent)).toEqual([5500]);
    expect(await balance()).toBe(before + 5500);
    expect(await anomaliesOf(session.payment_intent)).toEqual([]);
    const violations = await db.query('select * from private.ledger_violations($1)', [userId]);
    expect(violations.rows).toEqual([]);
  });
});
