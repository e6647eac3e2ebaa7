import { database } from '../_shared/db.ts';
import { requireEnv } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { stripeClient, webCrypto } from '../_shared/stripe_client.ts';
import { handleStripeWebhook, type VerifiedEvent } from './handler.ts';

const env = requireEnv(['SUPABASE_DB_URL', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']);
if (/\s/.test(env.STRIPE_WEBHOOK_SECRET)) {
  // A pasted newline makes every signature fail; refuse to start instead.
  throw new Error('STRIPE_WEBHOOK_SECRET contains whitespace (often a trailing newline); set it again without it.');
}
const db = database(env.SUPABASE_DB_URL);
const log = functionLogger('stripe-webhook');
const stripe = stripeClient(env.STRIPE_SECRET_KEY, Deno.env.get('STRIPE_API_BASE'));

Deno.serve(withRequestLog(log, (req) => handleStripeWebhook(req, {
  webhookSecret: env.STRIPE_WEBHOOK_SECRET,
  constructEvent: async (raw, header, secret, tolerance, receivedAt) =>
    (await stripe.webhooks.constructEventAsync(raw, header, secret, tolerance, webCrypto, receivedAt)) as unknown as VerifiedEvent,
  ingest: async (event) => {
    const r = await db.query<{ r: { status: string } }>('select private.ingest_stripe_event($1::jsonb) as r', [JSON.stringify(event)]);
    return r.rows[0]!.r;
  },
  recordFailed: async (event, reason) => {
    await db.query('select private.record_failed_stripe_event($1::jsonb, $2)', [JSON.stringify(event), reason]);
  },
  liveMode: Deno.env.get('STRIPE_LIVE_MODE') === 'true',
  nowMs: () => Date.now(),
  log
})));
