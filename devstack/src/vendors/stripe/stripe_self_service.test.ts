// Contract tests for what the billing page does on its own, through the real `stripe` SDK pointed at the stand-in:
// saving a card with Checkout in setup mode, reading its SetupIntent, listing and detaching saved cards, changing,
// cancelling and resuming a subscription, expiring a Checkout Session, and the checkout page saying what is bought.
// Each call has at least one refusal with Stripe's error shape.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeStandIn, type StripeStandIn } from './server.ts';

const KEY = 'sk_test_self_service_000000000000';

describe('Stripe stand-in: self-service billing through the SDK', () => {
  let stand: StripeStandIn;
  let stripe: Stripe;

  beforeAll(async () => {
    stand = await startStripeStandIn({ port: 0, webhookUrl: null, webhookSecret: 'whsec_unused', secretKey: KEY });
    stripe = new Stripe(KEY, { host: '127.0.0.1', port: stand.port, protocol: 'http', maxNetworkRetries: 0 });
  });

  afterAll(async () => {
    await stand.close();
  });

  const eventsOf = (type: string, id: string) => stand.events.filter((e) => e.type === type && (e.data.object as { id: string }).id === id);
  const pay = async (url: string) => {
    const res = await fetch(`${url}/pay`, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(303);
    return res.headers.get('location');
  };
  const monthly = (name: string, cents: number) =>
    ({ quantity: 1, price_data: { currency: 'usd', unit_amount: cents, recurring: { interval: 'month' as const }, product_data: { name } } });

  it('the checkout page says what is bought: product name, amount, currency and mode', async () => {
    const one = await stripe.checkout.sessions.create({
      mode: 'payment', success_url: 'http://app.local/ok', cancel_url: 'http://app.local/no',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 2500, product_data: { name: 'Call Me Back: 2,500 credits' } } }]
    });
    const page = await (await fetch(one.url!)).text();
    expect(page).toContain('Call Me Back: 2,500 credits');
    expect(page).toContain('$25.00');
    expect(page).toContain('USD');
    expect(page).toContain('One-time payment');

    const customer = await stripe.customers.create({});
    const sub = await stripe.checkout.sessions.create({
      mode: 'subscription', customer: customer.id, success_url: 'http://app.local/ok', line_items: [monthly('Call Me Back: Plus plan', 1500)]
    });
    const subPage = await (await fetch(sub.url!)).text();
    expect(subPage).toContain('Call Me Back: Plus plan');
    expect(subPage).toContain('$15.00 a month');
    expect(subPage).toMatch(/Subscription, billed monthly/);
  });

  it('setup mode saves a card through a SetupIntent, charges nothing and refuses what Stripe refuses', async () => {
    const customer = await stripe.customers.create({ email: 'setup@example.com' });
    await expect(stripe.checkout.sessions.create({
      mode: 'setup', customer: customer.id, success_url: 'http://app.local/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'x' } } }]
    } as Stripe.Checkout.SessionCreateParams)).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400, param: 'line_items' });
    await expect(stripe.checkout.sessions.create({ mode: 'setup', customer: customer.id, success_url: 'http://app.local/ok' }))
      .rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'parameter_missing', param: 'currency' });

    const session = await stripe.checkout.sessions.create({
      mode: 'setup', currency: 'usd', customer: customer.id, success_url: 'http://app.local/ok?s={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://app.local/no', setup_intent_data: { metadata: { user_id: 'u-setup' } }, metadata: { kind: 'save_card' }
    });
    expect(session).toMatchObject({ mode: 'setup', status: 'open', payment_status: 'no_payment_required', amount_total: null });
    const page = await (await fetch(session.url!)).text();
    expect(page).toContain('nothing is charged now');
    expect(page).toContain('Save card');

    expect(await pay(session.url!)).toBe(`http://app.local/ok?s=${session.id}`);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    expect(done).toMatchObject({ status: 'complete', payment_status: 'no_payment_required', payment_intent: null });
    expect(done.setup_intent).toMatch(/^seti_/);

    const seti = await stripe.setupIntents.retrieve(done.setup_intent as string, { expand: ['payment_method'] });
    expect(seti).toMatchObject({ status: 'succeeded', customer: customer.id, usage: 'off_session', metadata: { user_id: 'u-setup' } });
    const pm = seti.payment_method as Stripe.PaymentMethod;
    expect(pm).toMatchObject({ customer: customer.id, card: { brand: 'visa', last4: '4242' } });
    expect(typeof pm.card!.exp_year).toBe('number');
    const plain = await stripe.setupIntents.retrieve(seti.id);
    expect(plain.payment_method).toBe(pm.id);
    await expect(stripe.setupIntents.retrieve('seti_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });

    expect(eventsOf('setup_intent.succeeded', seti.id)).toHaveLength(1);
    const completed = stand.events.filter((e) => e.type === 'checkout.session.completed' && (e.data.object as { id: string }).id === session.id);
    expect(completed[0]!.data.object).toMatchObject({ mode: 'setup', setup_intent: seti.id });
    expect(stand.events.some((e) => e.type === 'payment_intent.created' && (e.data.object as { customer: string }).customer === customer.id)).toBe(false);
  });

  it('lists and detaches saved cards; detaching an unknown or already detached card is refused', async () => {
    const customer = await stripe.customers.create({});
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: visa.id } });
    expect((await stripe.customers.listPaymentMethods(customer.id, { type: 'card' })).data.map((p) => p.id)).toEqual([visa.id]);
    expect((await stripe.paymentMethods.list({ customer: customer.id, type: 'card' })).data.map((p) => p.id)).toEqual([visa.id]);
    await expect(stripe.customers.listPaymentMethods('cus_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });

    const detached = await stripe.paymentMethods.detach(visa.id);
    expect(detached.customer).toBeNull();
    expect((await stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);
    const c = await stripe.customers.retrieve(customer.id) as Stripe.Customer;
    expect(c.invoice_settings.default_payment_method).toBeNull();
    await expect(stripe.paymentMethods.detach(visa.id)).rejects.toMatchObject({ statusCode: 400, code: 'payment_method_unexpected_state' });
    await expect(stripe.paymentMethods.detach('pm_unknown123')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError', statusCode: 404, code: 'resource_missing'
    });
  });

  it('changes a subscription price, cancels at period end and resumes; a canceled subscription refuses changes', async () => {
    const customer = await stripe.customers.create({});
    await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const plus = await stripe.prices.create({ currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' }, product_data: { name: 'Plus' } });
    const pro = await stripe.prices.create({ currency: 'usd', unit_amount: 4000, recurring: { interval: 'month' }, product_data: { name: 'Pro' } });
    const oneOff = await stripe.prices.create({ currency: 'usd', unit_amount: 500, product_data: { name: 'Pack' } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: plus.id }], metadata: { plan: 'plus' } });
    const item = sub.items.data[0]!;

    // Refusals first: none of them changes the subscription.
    await expect(stripe.subscriptions.update(sub.id, { items: [{ id: item.id, price: oneOff.id }] }))
      .rejects.toMatchObject({ statusCode: 400, code: 'parameter_invalid', param: 'items[0][price]' });
    await expect(stripe.subscriptions.update(sub.id, { items: [{ id: 'si_unknown', price: pro.id }] }))
      .rejects.toMatchObject({ statusCode: 400, code: 'resource_missing' });
    await expect(stripe.subscriptions.update(sub.id, { items: [{ id: item.id, price: 'price_unknown' }] }))
      .rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    await expect(stripe.subscriptions.update(sub.id, { proration_behavior: 'sometimes' as never }))
      .rejects.toMatchObject({ statusCode: 400, param: 'proration_behavior' });
    await expect(stripe.subscriptions.update('sub_unknown', { cancel_at_period_end: true }))
      .rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]!.price.id).toBe(plus.id);

    const changed = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price: pro.id }], proration_behavior: 'none', metadata: { plan: 'pro' }
    });
    expect(changed.items.data[0]!.price).toMatchObject({ id: pro.id, unit_amount: 4000 });
    expect(changed.metadata.plan).toBe('pro');
    const updates = eventsOf('customer.subscription.updated', sub.id);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.data.previous_attributes).toHaveProperty('items');

    // The next renewal charges the new price.
    await (await fetch(`${stand.url}/__devstack/subscriptions/${sub.id}/advance`, { method: 'POST' })).arrayBuffer();
    const renewal = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string);
    expect([renewal.billing_reason, renewal.amount_paid]).toEqual(['subscription_cycle', 4000]);

    const cancelling = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(cancelling).toMatchObject({ status: 'active', cancel_at_period_end: true });
    expect(cancelling.cancel_at).toBe(cancelling.items.data[0]!.current_period_end);
    const resumed = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    expect(resumed).toMatchObject({ status: 'active', cancel_at_period_end: false, cancel_at: null });
    expect(eventsOf('customer.subscription.updated', sub.id).slice(-2).map((e) => (e.data.object as unknown as Stripe.Subscription).cancel_at_period_end))
      .toEqual([true, false]);

    await stripe.subscriptions.cancel(sub.id);
    await expect(stripe.subscriptions.update(sub.id, { cancel_at_period_end: false })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError', statusCode: 400, message: 'A canceled subscription can only update its cancellation_details and metadata.'
    });
    await expect(stripe.subscriptions.update(sub.id, { items: [{ id: item.id, price: plus.id }] })).rejects.toMatchObject({ statusCode: 400 });
    expect((await stripe.subscriptions.update(sub.id, { metadata: { note: 'closed' } })).metadata.note).toBe('closed');
  });

  it('pays each subscription invoice with a card charge described as Stripe does, naming no invoice (basil and later)', async () => {
    const customer = await stripe.customers.create({});
    await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const plus = await stripe.prices.create({ currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' }, product_data: { name: 'Plus' } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: plus.id }] });
    await (await fetch(`${stand.url}/__devstack/subscriptions/${sub.id}/advance`, { method: 'POST' })).arrayBuffer();
    const charges = stand.events.filter((e) => e.type === 'charge.succeeded' && (e.data.object as unknown as Stripe.Charge).customer === customer.id)
      .map((e) => e.data.object as unknown as Stripe.Charge);
    expect(charges.map((c) => [c.amount, c.captured, c.description])).toEqual([[1500, true, 'Subscription creation'], [1500, true, 'Subscription update']]);
    expect(charges.every((c) => !('invoice' in c))).toBe(true);
    // The invoice lists the payment that paid it, and the SDK reads the PaymentIntent and its charge back.
    const invoiceId = (await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string;
    // Includable, as at Stripe: only when asked for, and never in the invoice events.
    expect(await stripe.invoices.retrieve(invoiceId)).not.toHaveProperty('payments');
    expect(stand.events.filter((e) => e.type === 'invoice.paid').every((e) => !('payments' in e.data.object))).toBe(true);
    const invoice = await stripe.invoices.retrieve(invoiceId, { expand: ['payments'] });
    const paidWith = invoice.payments!.data[0]!.payment.payment_intent as string;
    const pi = await stripe.paymentIntents.retrieve(paidWith);
    expect([pi.status, pi.amount_received, pi.latest_charge]).toEqual(['succeeded', 1500, charges[1]!.id]);
  });

  it('always_invoice bills a plan change at once: the rest of the period at the new price, less the unused old one', async () => {
    const customer = await stripe.customers.create({});
    await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const plus = await stripe.prices.create({ currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' }, product_data: { name: 'Plus' } });
    const pro = await stripe.prices.create({ currency: 'usd', unit_amount: 4000, recurring: { interval: 'month' }, product_data: { name: 'Pro' } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: plus.id }] });
    const up = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: pro.id }], proration_behavior: 'always_invoice' });
    const invoice = await stripe.invoices.retrieve(up.latest_invoice as string);
    // Changed at the start of the period: nearly all of it is left, so nearly the whole difference is billed.
    expect(invoice.billing_reason).toBe('subscription_update');
    expect(invoice.lines.data.map((l) => l.amount)).toEqual([-1500, 4000]);
    expect([invoice.amount_due, invoice.amount_paid, invoice.status]).toEqual([2500, 2500, 'paid']);
    const charge = stand.events.filter((e) => e.type === 'charge.succeeded').map((e) => e.data.object as unknown as Stripe.Charge).at(-1)!;
    expect([charge.amount, charge.description, charge.customer]).toEqual([2500, 'Subscription update', customer.id]);
    // Back down: the difference is owed to the customer, kept as credit balance, and nothing is charged.
    const charges = stand.events.filter((e) => e.type === 'charge.succeeded').length;
    const down = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: plus.id }], proration_behavior: 'always_invoice' });
    const credit = await stripe.invoices.retrieve(down.latest_invoice as string);
    expect([credit.total, credit.amount_due, credit.status]).toEqual([-2500, 0, 'paid']);
    expect((await stripe.customers.retrieve(customer.id) as Stripe.Customer).balance).toBe(-2500);
    expect(stand.events.filter((e) => e.type === 'charge.succeeded')).toHaveLength(charges);
    // Without always_invoice nothing is invoiced until the renewal.
    const quiet = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: pro.id }], proration_behavior: 'none' });
    expect(quiet.latest_invoice).toBe(down.latest_invoice);
  });

  it('expires an open Checkout Session so it can no longer be paid, and refuses to expire one that is not open', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment', success_url: 'http://app.local/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 500, product_data: { name: '500 credits' } } }]
    });
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired.status).toBe('expired');
    expect(eventsOf('checkout.session.expired', session.id)).toHaveLength(1);
    expect(await (await fetch(session.url!)).text()).toContain('This checkout is expired.');
    await expect(stripe.checkout.sessions.expire(session.id)).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400 });
    await expect(stripe.checkout.sessions.expire('cs_test_unknown')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});
