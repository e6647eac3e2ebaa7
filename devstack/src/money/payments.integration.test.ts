// Payments end to end against devstack's Postgres: the billing-checkout handler starts a Checkout on the Stripe
// stand-in, the local checkout page's Pay button makes the stand-in send its signed events to the stripe-webhook
// handler, and the ledger shows exactly one grant per purchase and per paid period, however often events arrive.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleBillingCheckout, type BillingCheckoutDeps } from '../../../edge-functions/billing-checkout/handler.ts';
import { pgCheckoutStore } from '../../../edge-functions/billing-checkout/store.ts';
import { handleStripeWebhook, type VerifiedEvent } from '../../../edge-functions/stripe-webhook/handler.ts';
import { addVerifiedNumber } from '../testing/fresh_number.ts';
import { stack } from '../testing/stack_env.ts';
import { startStripeStandIn, type StripeStandIn } from '../vendors/stripe/server.ts';

const KEY = 'sk_test_integration_000000000000';
const SECRET = 'whsec_integration_secret';

async function toRequest(req: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  return new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined });
}

/** A session token the fake session check accepts for this user (the real check has its own tests). */
function sessionFor(userId: string) {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const token = `${b64({ alg: 'HS256' })}.${b64({ sub: userId, role: 'authenticated', session_id: randomUUID() })}.x`;
  return {
    deps: { fetchUser: async (t: string) => (t === token ? { id: userId } : null), isBlacklisted: async () => false },
    authorization: `Bearer ${token}`
  };
}

describe('payments through the Stripe stand-in', () => {
  const db = new pg.Pool({ connectionString: stack.dbUrl, max: 4 });
  const stripe = new Stripe(KEY, { host: '127.0.0.1', port: 1, protocol: 'http', maxNetworkRetries: 0 });
  const hooks = createServer(async (req, res) => {
    const response = await handleStripeWebhook(await toRequest(req), {
      webhookSecret: SECRET,
      constructEvent: async (raw, header, secret, tolerance, receivedAt) =>
        (await stripe.webhooks.constructEventAsync(raw, header, secret, tolerance, undefined, receivedAt)) as unknown as VerifiedEvent,
      ingest: async (event) => (await db.query('select private.ingest_stripe_event($1::jsonb) as r', [JSON.stringify(event)])).rows[0].r,
      recordFailed: async (f) => void await db.query('select private.record_webhook_anomaly($1, $2, $3, $4, $5, $6)', ['stripe', f.event.id, f.event.type, f.code, f.reason, f.raw]),
      liveMode: false,
      nowMs: () => Date.now(),
      log: () => undefined
    });
    res.writeHead(response.status, { 'content-type': 'application/json' }).end(await response.text());
  });
  let stand: StripeStandIn;
  let sdk: Stripe;
  let userId = '';

  beforeAll(async () => {
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', () => r()));
    stand = await startStripeStandIn({
      port: 0, webhookUrl: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/`, webhookSecret: SECRET, secretKey: KEY,
      retryDelaysMs: [50, 100, 200]
    });
    sdk = new Stripe(KEY, { host: '127.0.0.1', port: stand.port, protocol: 'http', maxNetworkRetries: 0 });
    userId = randomUUID();
    await db.query(
      `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
       values ($1, 'authenticated', 'authenticated', $2, now(), '{"provider":"email"}', '{}')`, [userId, `billing-${userId}@example.test`]);
    await addVerifiedNumber(db, userId);   // the 500 starting credits the balances below begin from
  });

  afterAll(async () => {
    await stand.close();
    await new Promise<void>((r) => hooks.close(() => r()));
    if (userId) await db.query('delete from auth.users where id = $1', [userId]);
    await db.end();
  });

  it('grants packs and renewals once, claws back refunds once, refuses a second open checkout', async () => {
    const s = sessionFor(userId);
    const deps: BillingCheckoutDeps = {
      session: s.deps,
      store: pgCheckoutStore(db as never),
      stripe: {
        createCustomer: (p, idempotencyKey) => sdk.customers.create(p, { idempotencyKey }),
        createSession: (p, idempotencyKey) => sdk.checkout.sessions.create(p as Stripe.Checkout.SessionCreateParams, { idempotencyKey }) as never,
        expireSession: (id) => sdk.checkout.sessions.expire(id)
      },
      siteUrl: 'http://app.local',
      log: () => undefined
    };
    const checkout = (body: unknown) => handleBillingCheckout(new Request('http://functions/billing-checkout', {
      method: 'POST', body: JSON.stringify(body), headers: { authorization: s.authorization }
    }), deps);
    const balance = async () => (await db.query(
      'select available_credits::int as a, owed_credits::int as o from public.user_credits where user_id = $1', [userId])).rows[0];
    const pay = async (url: string) => {
      const res = await fetch(`${url}/pay`, { method: 'POST', redirect: 'manual' });
      expect(res.status).toBe(303);
      await stand.webhooksIdle();
    };

    // A pack: 500 sign-up credits + 1000.
    const started = await checkout({ pack: 'credits_1000' });
    expect(started.status).toBe(200);
    const { url } = await started.json();
    const second = await checkout({ pack: 'credits_500' });
    expect(second.status).toBe(409);
    expect((await second.json()).error.code).toBe('checkout_in_progress');
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
