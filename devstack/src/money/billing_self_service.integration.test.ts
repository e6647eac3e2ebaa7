// What a customer does alone on the billing page, end to end against devstack's Postgres and a Stripe stand-in:
// cancel a checkout and buy again at once, save a card without buying and remove it, see card charges and refunds,
// and change, cancel and resume the monthly plan, with our rows following Stripe's webhooks and credits granted
// only from paid invoices and taken back from refunded ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBillingHarness, type BillingHarness } from './stripe_harness.ts';

describe('self-service billing through the Stripe stand-in', () => {
  let h: BillingHarness;

  beforeAll(async () => {
    h = await startBillingHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  const card = async () => (await h.db.query(
    'select stripe_payment_method_id as pm, brand, last4, exp_month, exp_year from public.payment_cards where user_id = $1', [h.userId])).rows[0];
  const plan = async () => (await h.db.query(
    `select subscription_plan as plan, subscription_status as status, cancel_at_period_end as cancelling, included_monthly_credits::int as monthly,
            stripe_subscription_id as sub, current_period_end from public.user_credits where user_id = $1`, [h.userId])).rows[0];
  const refused = async (res: Response) => ({ status: res.status, ...((await res.json()) as { error: { code: string; message: string } }).error });

  it('cancelling on the payment page and buying again opens a new checkout at once; the old one can no longer be paid', async () => {
    const first = await h.checkout({ pack: 'credits_500' });
    expect(first.status).toBe(200);
    const old = await first.json();
    const cancel = await fetch(`${old.url}/cancel`, { method: 'POST', redirect: 'manual' });
    expect(cancel.headers.get('location')).toBe('http://app.local/billing?checkout=cancelled');

    const again = await h.checkout({ pack: 'credits_500' });
    expect(again.status).toBe(200);
    const fresh = await again.json();
    expect(fresh.session_id).not.toBe(old.session_id);
    expect((await h.sdk.checkout.sessions.retrieve(old.session_id)).status).toBe('expired');
    expect(await (await fetch(old.url)).text()).toContain('This checkout is expired.');
    await h.pay(fresh.url);
    expect(await h.balance()).toEqual({ a: 1000, o: 0 });
  });

  it('saves a card without buying, records it from the webhook, refuses bad input, and removes it', async () => {
    // The card the pack above was paid with is kept, shown and removable like any saved card.
    const fromPack = await card();
    expect(fromPack).toMatchObject({ brand: 'visa', last4: '4242' });
    expect((await h.manage({ action: 'remove_card' })).status).toBe(200);
    expect((await h.sdk.paymentMethods.retrieve(fromPack.pm)).customer).toBeNull();
    expect(await refused(await h.manage({ action: 'remove_card' }))).toMatchObject({ status: 404, code: 'card_missing' });

    const started = await h.checkout({ setup: true });
    expect(started.status).toBe(200);
    const { url, kind } = await started.json();
    expect(kind).toBe('setup');
    expect(await (await fetch(url)).text()).toContain('nothing is charged now');
    const before = await h.balance();
    await h.pay(url);
    expect(await h.balance()).toEqual(before);
    const saved = await card();
    expect(saved).toMatchObject({ brand: 'visa', last4: '4242', exp_month: 12 });
    // It is the customer's default card at Stripe too, which is where card-paid calls are held.
    const customerId = (await h.db.query('select stripe_customer_id from public.users where id = $1', [h.userId])).rows[0].stripe_customer_id;
    const customer = await h.sdk.customers.retrieve(customerId) as { invoice_settings: { default_payment_method: string } };
    expect(customer.invoice_settings.default_payment_method).toBe(saved.pm);

    for (const body of [{}, { action: 'delete_everything' }, { action: 'change_plan', plan: 'platinum' }]) {
      const r = await refused(await h.manage(body));
      expect(r.status).toBe(400);
      expect(r.message.length).toBeGreaterThan(20);
    }
    expect(await card()).toMatchObject({ pm: saved.pm });

    const removed = await h.manage({ action: 'remove_card' });
    expect(removed.status).toBe(200);
    expect(await card()).toBeUndefined();
    expect((await h.sdk.paymentMethods.retrieve(saved.pm)).customer).toBeNull();
    await h.stand.webhooksIdle();
    expect(await card()).toBeUndefined();
  });

  it('shows card charges and refunds in the billing history from the webhook', async () => {
    const pi = (await h.db.query(
      `select stripe_payment_intent_id as pi from public.card_charges where user_id = $1 and purpose = 'credit_pack'`, [h.userId])).rows;
    expect(pi).toHaveLength(1);
    await h.sdk.refunds.create({ payment_intent: pi[0].pi, amount: 200 });
    await h.stand.webhooksIdle();
    const rows = (await h.db.query(
      'select purpose, amount_cents::int as amount, refund_cents::int as refund, status from public.card_charges where user_id = $1', [h.userId])).rows;
    expect(rows).toEqual([{ purpose: 'credit_pack', amount: 500, refund: 200, status: 'partially_refunded' }]);
  });

  it('changes the plan, cancels at period end and resumes; renewals grant the plan that was paid', async () => {
    expect(await refused(await h.manage({ action: 'cancel_plan' }))).toMatchObject({ status: 409, code: 'no_subscription' });
    const sub = await h.checkout({ plan: 'plus' });
    await h.pay((await sub.json()).url);
    const start = await h.balance();
    expect(await plan()).toMatchObject({ plan: 'plus', status: 'active', cancelling: false, monthly: 2000 });
    expect(await refused(await h.manage({ action: 'change_plan', plan: 'plus' }))).toMatchObject({ status: 400, code: 'same_plan' });

    const changed = await h.manage({ action: 'change_plan', plan: 'pro' });
    expect(changed.status).toBe(200);
    await h.stand.webhooksIdle();
    expect(await plan()).toMatchObject({ plan: 'pro', monthly: 6000 });
    expect(await h.balance()).toEqual(start);   // nothing granted for a change: only for a paid invoice

    const { sub: subId } = await plan();
    await (await fetch(`${h.stand.url}/__devstack/subscriptions/${subId}/advance`, { method: 'POST' })).arrayBuffer();
    await h.stand.webhooksIdle();
    expect(await h.balance()).toEqual({ a: start.a + 6000, o: 0 });

    expect((await h.manage({ action: 'cancel_plan' })).status).toBe(200);
    await h.stand.webhooksIdle();
    const cancelling = await plan();
    expect(cancelling).toMatchObject({ status: 'active', cancelling: true });
    expect(cancelling.current_period_end).toBeInstanceOf(Date);

    expect((await h.manage({ action: 'resume_plan' })).status).toBe(200);
    await h.stand.webhooksIdle();
    expect(await plan()).toMatchObject({ status: 'active', cancelling: false });

    await h.manage({ action: 'cancel_plan' });
    await (await fetch(`${h.stand.url}/__devstack/subscriptions/${subId}/advance`, { method: 'POST' })).arrayBuffer();
    await h.stand.webhooksIdle();
    expect(await plan()).toMatchObject({ status: 'canceled' });
    expect(await refused(await h.manage({ action: 'resume_plan' }))).toMatchObject({ status: 409, code: 'no_subscription' });
    expect((await h.db.query('select * from private.ledger_violations($1)', [h.userId])).rows).toEqual([]);
  });

  it('keeps each plan payment as a card charge, and a refunded plan payment takes its credits back', async () => {
    // The plan's charges (the first payment and both renewals above), as Stripe sends them since basil: no invoice named.
    const plans = (await h.db.query(
      `select stripe_charge_id as id, stripe_payment_intent_id as pi, amount_cents::int as amount from public.card_charges
        where user_id = $1 and purpose = 'subscription' order by charged_at, stripe_charge_id`, [h.userId])).rows;
    expect(plans.map((c) => c.amount).sort()).toEqual([1500, 4000]);
    const renewal = plans.find((c) => c.amount === 4000)!;
    // Half the Pro renewal is refunded: half of the 6,000 credits it granted are taken back.
    const before = await h.balance();
    await h.sdk.refunds.create({ payment_intent: renewal.pi, amount: 2000 });
    await h.stand.webhooksIdle();
    expect(await h.balance()).toEqual({ a: before.a - 3000, o: 0 });
    const row = (await h.db.query('select refund_cents::int as refund, status from public.card_charges where stripe_charge_id = $1', [renewal.id])).rows[0];
    expect(row).toEqual({ refund: 2000, status: 'partially_refunded' });
    // The same refund event again takes nothing more.
    const refunded = h.stand.events.filter((e) => e.type === 'charge.refunded').at(-1)!;
    await h.db.query('select private.ingest_stripe_event($1::jsonb)', [JSON.stringify({ ...refunded, id: `${refunded.id}Again` })]);
    expect(await h.balance()).toEqual({ a: before.a - 3000, o: 0 });
    expect((await h.db.query('select * from private.ledger_violations($1)', [h.userId])).rows).toEqual([]);
  });
});
