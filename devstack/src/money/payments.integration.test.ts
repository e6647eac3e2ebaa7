// Payments end to end against devstack's Postgres: the billing-checkout handler starts a Checkout on the Stripe
// stand-in, the local checkout page's Pay button makes the stand-in send its signed events to the stripe-webhook
// handler, and the ledger shows exactly one grant per purchase and per paid period, however often events arrive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBillingHarness, type BillingHarness } from './stripe_harness.ts';

describe('payments through the Stripe stand-in', () => {
  let h: BillingHarness;

  beforeAll(async () => {
    h = await startBillingHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  it('grants packs and renewals once, claws back refunds once, lets a new checkout replace an open one', async () => {
    const { db, stand, sdk, userId, checkout, balance, pay } = h;

    // A pack: 500 sign-up credits + 1000.
    const replaced = await checkout({ pack: 'credits_500' });
    expect(replaced.status).toBe(200);
    const started = await checkout({ pack: 'credits_1000' });
    expect(started.status).toBe(200);
    const { url } = await started.json();
    expect((await sdk.checkout.sessions.retrieve((await replaced.json()).session_id)).status).toBe('expired');
    await pay(url);
    expect(await balance()).toEqual({ a: 1500, o: 0 });
    const linked = (await db.query('select stripe_customer_id from public.users where id = $1', [userId])).rows[0].stripe_customer_id;
    expect(linked).toMatch(/^cus_/);

    // Both events of that purchase delivered again, ten times at once: nothing changes.
    const purchaseEvents = stand.events.filter((e) => ['checkout.session.completed', 'payment_intent.succeeded'].includes(e.type));
    expect(purchaseEvents).toHaveLength(2);
    await Promise.all(Array.from({ length: 10 }, () => Promise.all(purchaseEvents.map((e) =>
      fetch(`${stand.url}/__devstack/events/${e.id}/resend`, { method: 'POST' }).then((r) => r.arrayBuffer())))));
    await stand.webhooksIdle();
    expect(await balance()).toEqual({ a: 1500, o: 0 });
    const purchases = await db.query("select count(*)::int as n from public.credit_transactions where user_id = $1 and type = 'purchase'", [userId]);
    expect(purchases.rows[0].n).toBe(1);
    expect([...stand.deliveries.values()].every((d) => d.delivered)).toBe(true);

    // A plan: the first invoice grants 2000, the renewal 2000 more.
    const plan = await checkout({ plan: 'plus' });
    expect(plan.status).toBe(200);
    await pay((await plan.json()).url);
    expect(await balance()).toEqual({ a: 3500, o: 0 });
    const sub = (await db.query('select subscription_status, subscription_plan, stripe_subscription_id from public.user_credits where user_id = $1', [userId])).rows[0];
    expect([sub.subscription_status, sub.subscription_plan]).toEqual(['active', 'plus']);
    await (await fetch(`${stand.url}/__devstack/subscriptions/${sub.stripe_subscription_id}/advance`, { method: 'POST' })).arrayBuffer();
    await stand.webhooksIdle();
    expect(await balance()).toEqual({ a: 5500, o: 0 });

    // Refunding half of the pack claws back 500 credits.
    const pi = (purchaseEvents.find((e) => e.type === 'payment_intent.succeeded')!.data.object as { id: string }).id;
    await sdk.refunds.create({ payment_intent: pi, amount: 500 });
    await stand.webhooksIdle();
    expect(await balance()).toEqual({ a: 5000, o: 0 });

    const statuses = await db.query(
      `select status, count(*)::int as n from public.stripe_events where payload -> 'data' -> 'object' ->> 'customer' = $1 group by status`, [linked]);
    expect(statuses.rows.find((r) => r.status === 'failed')).toBeUndefined();
    expect((await db.query('select * from private.ledger_violations($1)', [userId])).rows).toEqual([]);
  }, 60_000);
});
