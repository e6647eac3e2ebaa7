import { database } from '../_shared/db.ts';
import { functionSettings } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { stripeClient, webCrypto } from '../_shared/stripe_client.ts';
import { expandEvent } from './expand.ts';
import { handleStripeWebhook, type VerifiedEvent } from './handler.ts';

// The secret's schema refuses inner whitespace: a pasted line break would make every signature fail.
const env = functionSettings(['SUPABASE_DB_URL', 'STRIPE_SECRET_KEY', 'STRIPE_API_BASE', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_LIVE_MODE']);
const db = database(env.SUPABASE_DB_URL);
const log = functionLogger('stripe-webhook');
const stripe = stripeClient(env.STRIPE_SECRET_KEY, env.STRIPE_API_BASE);

Deno.serve(withRequestLog(log, (req) => handleStripeWebhook(req, {
  webhookSecret: env.STRIPE_WEBHOOK_SECRET,
  constructEvent: async (raw, header, secret, tolerance, receivedAt) =>
    (await stripe.webhooks.constructEventAsync(raw, header, secret, tolerance, webCrypto, receivedAt)) as unknown as VerifiedEvent,
  expand: (event) => expandEvent(stripe, event),
  ingest: async (event) => {
    const r = await db.query<{ r: { status: string } }>('select private.ingest_stripe_event($1::jsonb) as r', [JSON.stringify(event)]);
    return r.rows[0]!.r;
  },
  recordFailed: async ({ event, raw, code, reason }) => {
    await db.query('select private.record_webhook_anomaly($1, $2, $3, $4, $5, $6)',
      ['stripe', typeof event.id === 'string' ? event.id : null, typeof event.type === 'string' ? event.type : null, code, reason, raw]);
  },
  liveMode: env.STRIPE_LIVE_MODE,
  nowMs: () => Date.now(),
  log
})));
