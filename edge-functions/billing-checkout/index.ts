import { preflight } from '../_shared/cors.ts';
import { database } from '../_shared/db.ts';
import { functionSettings } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { requirePublishableKey } from '../_shared/project_keys.ts';
import { stripeClient } from '../_shared/stripe_client.ts';
import { liveSessionDeps } from '../_shared/user_session.ts';
import { handleBillingCheckout } from './handler.ts';
import { pgCheckoutStore } from './store.ts';

const env = functionSettings(['SUPABASE_URL', 'SUPABASE_DB_URL', 'STRIPE_SECRET_KEY', 'STRIPE_API_BASE', 'SITE_URL', 'ADDITIONAL_SITE_URLS']);
const db = database(env.SUPABASE_DB_URL);
const log = functionLogger('billing-checkout');
const stripe = stripeClient(env.STRIPE_SECRET_KEY, env.STRIPE_API_BASE);

const deps = {
  session: liveSessionDeps(env.SUPABASE_URL, requirePublishableKey(), (sql, args) => db.query(sql, args)),
  store: pgCheckoutStore(db),
  stripe: {
    createCustomer: (params: { email?: string; metadata: Record<string, string> }, idempotencyKey: string) =>
      stripe.customers.create(params, { idempotencyKey }),
    createSession: (params: Parameters<typeof stripe.checkout.sessions.create>[0], idempotencyKey: string) =>
      stripe.checkout.sessions.create(params, { idempotencyKey }),
    expireSession: (sessionId: string) => stripe.checkout.sessions.expire(sessionId)
  },
  // Required: Checkout must never send a buyer back to an address nobody configured.
  siteUrl: env.SITE_URL,
  extraSiteUrls: env.ADDITIONAL_SITE_URLS,
  log
};

Deno.serve(withRequestLog(log, (req) => preflight(req) ?? handleBillingCheckout(req, deps)));
