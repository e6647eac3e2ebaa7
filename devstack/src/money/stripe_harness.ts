// Billing end to end against devstack's Postgres, for integration tests: a fresh user with a verified number (500
// starting credits), a Stripe stand-in of its own whose signed events reach the real stripe-webhook handler, and
// the billing-checkout and billing-manage handlers signed in as that user. Nothing here is mocked but the Auth
// session check (which has its own tests).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import Stripe from 'stripe';
import { handleBillingCheckout } from '../../../edge-functions/billing-checkout/handler.ts';
import { pgCheckoutStore } from '../../../edge-functions/billing-checkout/store.ts';
import { handleBillingManage, type ManageStripe } from '../../../edge-functions/billing-manage/handler.ts';
import { expandEvent } from '../../../edge-functions/stripe-webhook/expand.ts';
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

export interface BillingHarness {
  db: pg.Pool;
  stand: StripeStandIn;
  sdk: Stripe;
  userId: string;
  /** POST to billing-checkout as the user. */
  checkout(body: unknown): Promise<Response>;
  /** POST to billing-manage as the user. */
  manage(body: unknown): Promise<Response>;
  /** Presses a checkout page's Pay button and waits until every event it caused was delivered. */
  pay(url: string): Promise<void>;
  balance(): Promise<{ a: number; o: number }>;
  close(): Promise<void>;
}

export async function startBillingHarness(): Promise<BillingHarness> {
  const db = new pg.Pool({ connectionString: stack.dbUrl, max: 4 });
  const verifier = new Stripe(KEY, { host: '127.0.0.1', port: 1, protocol: 'http', maxNetworkRetries: 0 });
  let sdk: Stripe | null = null;
  const hooks = createServer(async (req, res) => {
    const response = await handleStripeWebhook(await toRequest(req), {
      webhookSecret: SECRET,
      constructEvent: async (raw, header, secret, tolerance, receivedAt) =>
        (await verifier.webhooks.constructEventAsync(raw, header, secret, tolerance, undefined, receivedAt)) as unknown as VerifiedEvent,
      expand: (event) => expandEvent(sdk!, event),
      ingest: async (event) => (await db.query('select private.ingest_stripe_event($1::jsonb) as r', [JSON.stringify(event)])).rows[0].r,
      recordFailed: async (f) => void await db.query('select private.record_webhook_anomaly($1, $2, $3, $4, $5, $6)', ['stripe', f.event.id, f.event.type, f.code, f.reason, f.raw]),
      liveMode: false,
      nowMs: () => Date.now(),
      log: () => undefined
    });
    res.writeHead(response.status, { 'content-type': 'application/json' }).end(await response.text());
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', () => r()));
  const stand = await startStripeStandIn({
    port: 0, webhookUrl: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/`, webhookSecret: SECRET, secretKey: KEY,
    retryDelaysMs: [50, 100, 200]
  });
  const client = new Stripe(KEY, { host: '127.0.0.1', port: stand.port, protocol: 'http', maxNetworkRetries: 0 });
  sdk = client;
  const userId = randomUUID();
  await db.query(
    `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
     values ($1, 'authenticated', 'authenticated', $2, now(), '{"provider":"email"}', '{}')`, [userId, `billing-${userId}@example.test`]);
  await addVerifiedNumber(db, userId);   // the 500 starting credits the balances begin from

  const s = sessionFor(userId);
  const post = (fn: string, body: unknown) => new Request(`http://functions/${fn}`, {
    method: 'POST', body: JSON.stringify(body), headers: { authorization: s.authorization }
  });
  return {
    db, stand, sdk: client, userId,
    checkout: (body) => handleBillingCheckout(post('billing-checkout', body), {
      session: s.deps,
      store: pgCheckoutStore(db as never),
      stripe: {
        createCustomer: (p, idempotencyKey) => client.customers.create(p, { idempotencyKey }),
        createSession: (p, idempotencyKey) => client.checkout.sessions.create(p as Stripe.Checkout.SessionCreateParams, { idempotencyKey }) as never,
        expireSession: (id) => client.checkout.sessions.expire(id)
      },
      siteUrl: 'http://app.local',
      log: () => undefined
    }),
    manage: (body) => handleBillingManage(post('billing-manage', body), {
      session: s.deps, db: db as never, stripe: client as unknown as ManageStripe, log: () => undefined
    }),
    pay: async (url) => {
      const res = await fetch(`${url}/pay`, { method: 'POST', redirect: 'manual' });
      if (res.status !== 303) throw new Error(`the checkout page answered ${res.status}`);
      await stand.webhooksIdle();
    },
    balance: async () => (await db.query(
      'select available_credits::int as a, owed_credits::int as o from public.user_credits where user_id = $1', [userId])).rows[0],
    close: async () => {
      await stand.close();
      await new Promise<void>((r) => hooks.close(() => r()));
      await db.query('delete from auth.users where id = $1', [userId]);
      await db.end();
    }
  };
}
