import { stripeCardPayments } from '../_shared/card_payments.ts';
import { database } from '../_shared/db.ts';
import { functionSettings, twilioAuthTokens } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { stripeClient } from '../_shared/stripe_client.ts';
import { handleTwilioStatus } from './handler.ts';

// PUBLIC_API_URL is the origin Twilio calls (the signature covers it); TWILIO_AUTH_TOKEN_PREVIOUS eases rotation.
// Stripe settles card-paid calls when they end (STRIPE_API_BASE points at devstack's stand-in in demo mode).
const env = functionSettings(['SUPABASE_DB_URL', 'TWILIO_AUTH_TOKEN', 'TWILIO_AUTH_TOKEN_PREVIOUS', 'PUBLIC_API_URL', 'STRIPE_SECRET_KEY', 'STRIPE_API_BASE']);
const db = database(env.SUPABASE_DB_URL);
const log = functionLogger('twilio-status');
const deps = {
  db,
  publicApiUrl: env.PUBLIC_API_URL,
  authTokens: twilioAuthTokens(env),
  cards: stripeCardPayments(stripeClient(env.STRIPE_SECRET_KEY, env.STRIPE_API_BASE), db, log),
  log,
  // Supabase keeps a function alive for work handed to EdgeRuntime.waitUntil after the response.
  background: (work: Promise<unknown>) => (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } }).EdgeRuntime?.waitUntil(work)
};

Deno.serve(withRequestLog(log, (req) => handleTwilioStatus(req, deps)));
