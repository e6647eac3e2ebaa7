// Contract tests: the real `stripe` SDK, pointed at the stand-in, sees Stripe's behaviour and event shapes, and
// webhooks arrive signed so that stripe.webhooks.constructEvent accepts them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStripeStandIn, type StripeStandIn } from './server.ts';

const KEY = 'sk_test_contract_0000000000000000';
const SECRET = 'whsec_contract_test_secret';

describe('Stripe stand-in with the real SDK', () => {
  let stand: StripeStandIn;
  let receiver: Server;
  let stripe: Stripe;
  const received: Stripe.Event[] = [];
  let failNext = 0;
  let badSignatures = 0;

  beforeAll(async () => {
    receiver = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString('utf8');
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(500).end();
        return;
      }
      try {
        received.push(stripe.webhooks.constructEvent(raw, String(req.headers['stripe-signature']), SECRET));
        res.writeHead(200).end('{}');
      } catch {
        badSignatures += 1;
        res.writeHead(400).end();
      }
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const hookPort = (receiver.address() as AddressInfo).port;
    stand = await startStripeStandIn({
      port: 0, webhookUrl: `http://127.0.0.1:${hookPort}/hook`, webhookSecret: SECRET, secretKey: KEY, retryDelaysMs: [20, 20, 20]
    });
    stripe = new Stripe(KEY, { host: '127.0.0.1', port: stand.port, protocol: 'http', maxNetworkRetries: 0 });
  });

  afterAll(async () => {
    await stand.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  beforeEach(() => {
    received.length = 0;
    failNext = 0;
  });

  const eventsOfType = (type: string) => received.filter((e) => e.type === type);

  it('creates and retrieves customers; an idempotency key replays the first response', async () => {
    const a = await stripe.customers.create({ email: 'ada@example.com', metadata: { user_id: 'u1' } }, { idempotencyKey: 'cust:u1' });
    const b = await stripe.customers.create({ email: 'ada@example.com', metadata: { user_id: 'u1' } }, { idempotencyKey: 'cust:u1' });
    expect(a.id).toMatch(/^cus_/);
    expect(b.id).toBe(a.id);
    const got = await stripe.customers.retrieve(a.id);
    expect(got).toMatchObject({ id: a.id, email: 'ada@example.com', metadata: { user_id: 'u1' } });
  });

  it('refuses a wrong API key and unknown objects the way Stripe does', async () => {
    const wrong = new Stripe('sk_test_wrong', { host: '127.0.0.1', port: stand.port, protocol: 'http', maxNetworkRetries: 0 });
    await expect(wrong.customers.create({})).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    await expect(stripe.customers.retrieve('cus_missing')).rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'resource_missing' });
  });

  it('runs a Checkout payment: the page has Pay and Cancel, paying emits signed events and completes the session', async () => {
    const customer = await stripe.customers.create({ email: 'pay@example.com' });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment', customer: customer.id, client_reference_id: 'user-1',
      success_url: 'http://localhost/done?session={CHECKOUT_SESSION_ID}', cancel_url: 'http://localhost/cancelled',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 1000, product_data: { name: '1,000 credits' } } }],
      metadata: { kind: 'credit_pack', credits: '1000' }, payment_intent_data: { metadata: { kind: 'credit_pack', credits: '1000' } }
    });
    expect(session).toMatchObject({ status: 'open', payment_status: 'unpaid', amount_total: 1000, mode: 'payment' });
    const page = await (await fetch(session.url!)).text();
    expect(page).toContain('Pay');
    expect(page).toContain('Cancel');
    expect(page).toContain('$10.00');

    const cancel = await fetch(`${stand.url}/checkout/${session.id}/cancel`, { method: 'POST', redirect: 'manual' });
    expect(cancel.headers.get('location')).toBe('http://localhost/cancelled');
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');

    const pay = await fetch(`${stand.url}/checkout/${session.id}/pay`, { method: 'POST', redirect: 'manual' });
    expect(pay.status).toBe(303);
    expect(pay.headers.get('location')).toBe(`http://localhost/done?session=${session.id}`);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done).toMatchObject({ status: 'complete', payment_status: 'paid' });
    expect(done.payment_intent).toMatch(/^pi_/);

    await stand.webhooksIdle();
    expect(badSignatures).toBe(0);
    const completed = eventsOfType('checkout.session.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]!.data.object).toMatchObject({ id: session.id, client_reference_id: 'user-1', metadata: { credits: '1000' } });
    const succeeded = eventsOfType('payment_intent.succeeded');
    expect(succeeded[0]!.data.object).toMatchObject({ id: done.payment_intent, amount_received: 1000, metadata: { kind: 'credit_pack' } });
    expect(received.every((e) => e.object === 'event' && typeof e.created === 'number' && e.livemode === false)).toBe(true);
  });

  it('authorises with manual capture, captures part, and refuses capturing more than authorised', async () => {
    const customer = await stripe.customers.create({});
    const pi = await stripe.paymentIntents.create({
      amount: 500, currency: 'usd', customer: customer.id, capture_method: 'manual', metadata: { call_id: 'c1' }
    });
    expect(pi.status).toBe('requires_payment_method');
    const confirmed = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    expect(confirmed).toMatchObject({ status: 'requires_capture', amount_capturable: 500 });
    await expect(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 501 }))
      .rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 180 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 180, amount_capturable: 0 });
    await expect(stripe.paymentIntents.cancel(pi.id)).rejects.toMatchObject({ code: 'payment_intent_unexpected_state' });
    await stand.webhooksIdle();
    expect(eventsOfType('payment_intent.amount_capturable_updated')).toHaveLength(1);
    expect(eventsOfType('payment_intent.succeeded')[0]!.data.object).toMatchObject({ id: pi.id, amount_received: 180 });
  });

  it('cancels an authorisation and declines a declining test card', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 300, currency: 'usd', capture_method: 'manual', payment_method: 'pm_card_visa', confirm: true });
    expect(pi.status).toBe('requires_capture');
    expect((await stripe.paymentIntents.cancel(pi.id)).status).toBe('canceled');
    await expect(stripe.paymentIntents.create({ amount: 300, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true }))
      .rejects.toMatchObject({ type: 'StripeCardError', code: 'card_declined' });
    await expect(stripe.paymentIntents.create({ amount: 0, currency: 'usd' })).rejects.toMatchObject({ param: 'amount' });
    await stand.webhooksIdle();
    expect(eventsOfType('payment_intent.canceled')).toHaveLength(1);
    expect(eventsOfType('payment_intent.payment_failed')).toHaveLength(1);
  });

  it('saves test cards on a customer, lists them newest first and sets the default card', async () => {
    const customer = await stripe.customers.create({ email: 'cards@example.com' });
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    expect(visa).toMatchObject({ object: 'payment_method', type: 'card', customer: customer.id, card: { brand: 'visa', last4: '4242' } });
    expect(visa.id).toMatch(/^pm_[A-Za-z0-9]+$/);
    expect(visa.id).not.toBe('pm_card_visa');
    const mc = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
    const listed = await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(listed.data.map((pm) => pm.id)).toEqual([mc.id, visa.id]);
    const updated = await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: visa.id } });
    expect(updated.invoice_settings.default_payment_method).toBe(visa.id);
    const other = await stripe.customers.create({});
    await expect(stripe.customers.update(other.id, { invoice_settings: { default_payment_method: visa.id } }))
      .rejects.toMatchObject({ type: 'StripeInvalidRequestError', param: 'invoice_settings[default_payment_method]' });
    await expect(stripe.paymentMethods.attach(visa.id, { customer: other.id })).rejects.toMatchObject({ code: 'payment_method_unexpected_state' });
    await stripe.paymentMethods.detach(mc.id);
    expect((await stripe.customers.listPaymentMethods(customer.id)).data.map((pm) => pm.id)).toEqual([visa.id]);
  });

  it('holds a saved card off-session, captures less than held, and refuses a card of another customer', async () => {
    const customer = await stripe.customers.create({});
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const pi = await stripe.paymentIntents.create({
      amount: 400, currency: 'usd', customer: customer.id, payment_method: card.id, capture_method: 'manual',
      confirm: true, off_session: true, metadata: { call_id: 'c2' }
    }, { idempotencyKey: 'hold:c2' });
    expect(pi).toMatchObject({ status: 'requires_capture', amount_capturable: 400, payment_method: card.id });
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 37 }, { idempotencyKey: 'capture:c2' });
    const again = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 37 }, { idempotencyKey: 'capture:c2' });
    expect([captured.amount_received, again.amount_received, again.status]).toEqual([37, 37, 'succeeded']);
    const charge = await stripe.charges.retrieve(String(captured.latest_charge));
    expect(charge).toMatchObject({ amount: 400, amount_captured: 37, amount_refunded: 363 });

    const stranger = await stripe.customers.create({});
    await expect(stripe.paymentIntents.create({
      amount: 400, currency: 'usd', customer: stranger.id, payment_method: card.id, capture_method: 'manual', confirm: true, off_session: true
    })).rejects.toMatchObject({ param: 'payment_method' });
    await expect(stripe.paymentIntents.create({ amount: 400, currency: 'usd', customer: customer.id, payment_method: card.id, off_session: true }))
      .rejects.toMatchObject({ param: 'off_session' });
  });

  it('declines saved declining cards with their reason, and asks for authentication only on-session', async () => {
    const customer = await stripe.customers.create({});
    const hold = (pm: string, offSession: boolean) => stripe.paymentIntents.create({
      amount: 300, currency: 'usd', customer: customer.id, payment_method: pm, capture_method: 'manual', confirm: true, off_session: offSession
    });
    const declined = await stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id });
    await expect(hold(declined.id, true)).rejects.toMatchObject({
      type: 'StripeCardError', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.'
    });
    const poor = await stripe.paymentMethods.attach('pm_card_chargeDeclinedInsufficientFunds', { customer: customer.id });
    const err = await hold(poor.id, true).catch((e: unknown) => e as Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' });
    expect((err as Stripe.errors.StripeCardError).payment_intent).toMatchObject({ status: 'requires_payment_method' });
    const sca = await stripe.paymentMethods.attach('pm_card_authenticationRequired', { customer: customer.id });
    await expect(hold(sca.id, true)).rejects.toMatchObject({ code: 'authentication_required' });
    expect((await hold(sca.id, false)).status).toBe('requires_action');
  });

  it('keeps the card on the customer when Checkout is asked to save it', async () => {
    const customer = await stripe.customers.create({});
    const session = await stripe.checkout.sessions.create({
      mode: 'payment', customer: customer.id, success_url: 'http://127.0.0.1/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Pack' } } }],
      payment_intent_data: { setup_future_usage: 'off_session' }
    });
    await fetch(`${stand.url}/checkout/${session.id}/pay`, { method: 'POST', redirect: 'manual' });
    const cards = await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(cards.data).toHaveLength(1);
    const pi = await stripe.paymentIntents.retrieve(String((await stripe.checkout.sessions.retrieve(session.id)).payment_intent));
    expect(pi.payment_method).toBe(cards.data[0]!.id);
  });

  it('refunds a charge and emits charge.refunded with the refunded amount', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, metadata: { credits: '2000' } });
    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 500 });
    expect(refund).toMatchObject({ amount: 500, status: 'succeeded' });
    await expect(stripe.refunds.create({ payment_intent: pi.id, amount: 1600 })).rejects.toMatchObject({ code: 'amount_too_large' });
    await stand.webhooksIdle();
    const ev = eventsOfType('charge.refunded');
    expect(ev).toHaveLength(1);
    expect(ev[0]!.data.object).toMatchObject({ amount: 2000, amount_refunded: 500, refunded: false, payment_intent: pi.id, metadata: { credits: '2000' } });
  });

  it('subscribes through Checkout, then renews each period with an invoice.paid', async () => {
    const customer = await stripe.customers.create({});
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription', customer: customer.id, success_url: 'http://localhost/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' }, product_data: { name: 'Plus' } } }],
      subscription_data: { metadata: { user_id: 'u2', plan: 'plus', monthly_credits: '2000' } }
    });
    await fetch(`${stand.url}/checkout/${session.id}/pay`, { method: 'POST', redirect: 'manual' });
    const done = await stripe.checkout.sessions.retrieve(session.id);
    const subId = done.subscription as string;
    const sub = await stripe.subscriptions.retrieve(subId);
    expect(sub).toMatchObject({ status: 'active', metadata: { plan: 'plus' } });
    const firstEnd = sub.items.data[0]!.current_period_end;

    const adv = await fetch(`${stand.url}/__devstack/subscriptions/${subId}/advance`, { method: 'POST' });
    expect(adv.status).toBe(200);
    const renewed = await stripe.subscriptions.retrieve(subId);
    expect(renewed.items.data[0]!.current_period_start).toBe(firstEnd);
    await stand.webhooksIdle();
    const paid = eventsOfType('invoice.paid').map((e) => e.data.object as Stripe.Invoice);
    expect(paid.map((i) => i.billing_reason)).toEqual(['subscription_create', 'subscription_cycle']);
    expect(paid[1]!.parent?.subscription_details).toMatchObject({ subscription: subId, metadata: { monthly_credits: '2000' } });
    expect(new Set(paid.map((i) => i.id)).size).toBe(2);
    expect(eventsOfType('customer.subscription.created')).toHaveLength(1);
    expect(eventsOfType('customer.subscription.updated')).toHaveLength(1);

    await fetch(`${stand.url}/__devstack/subscriptions/${subId}/advance?fail=1`, { method: 'POST' });
    expect((await stripe.subscriptions.retrieve(subId)).status).toBe('past_due');
    expect((await stripe.subscriptions.cancel(subId)).status).toBe('canceled');
    await stand.webhooksIdle();
    expect(eventsOfType('invoice.payment_failed')).toHaveLength(1);
    expect(eventsOfType('customer.subscription.deleted')).toHaveLength(1);
  });

  it('retries a webhook the endpoint failed until it is accepted', async () => {
    failNext = 2;
    const c = await stripe.customers.create({ email: 'retry@example.com' });
    await stand.webhooksIdle();
    const created = stand.events.find((e) => e.type === 'customer.created' && (e.data.object as { id: string }).id === c.id)!;
    expect(stand.deliveries.get(created.id)).toMatchObject({ attempts: 3, delivered: true });
    expect(eventsOfType('customer.created')).toHaveLength(1);
  });

  it('reports an event pending until its webhook is accepted, as Stripe\'s pending_webhooks does', async () => {
    failNext = 1;
    const c = await stripe.customers.create({ email: 'pending@example.com' });
    const listed = async () => (await stripe.events.list({ type: 'customer.created', limit: 100 })).data
      .find((e) => (e.data.object as { id: string }).id === c.id)!;
    expect((await listed()).pending_webhooks).toBe(1);
    await stand.webhooksIdle();
    expect((await listed()).pending_webhooks).toBe(0);
  });
});
