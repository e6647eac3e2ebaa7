import { stripeCardPayments } from '../_shared/card_payments.ts';
import { database } from '../_shared/db.ts';
import { functionSettings, TWILIO_REST_SETTINGS, twilioRest } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { serviceCallerCheck, serviceCallerKeysFrom } from '../_shared/service_role.ts';
import { stripeClient } from '../_shared/stripe_client.ts';
import { twilioClient } from '../_shared/twilio_client.ts';
import { handleReconcile } from './handler.ts';
import { reconcileConfigFrom } from './reconciler.ts';

// Card-paid calls found unsettled are captured or cancelled at Stripe (STRIPE_API_BASE: devstack's stand-in).
const env = functionSettings(['SUPABASE_DB_URL', 'STRIPE_SECRET_KEY', 'STRIPE_API_BASE', ...TWILIO_REST_SETTINGS]);
const db = database(env.SUPABASE_DB_URL);
const log = functionLogger('calls-reconcile');
const deps = {
  db,
  twilio: twilioClient(twilioRest(env)),
  cards: stripeCardPayments(stripeClient(env.STRIPE_SECRET_KEY, env.STRIPE_API_BASE), db, log),
  config: reconcileConfigFrom((n) => Deno.env.get(n)),
  authorize: serviceCallerCheck(serviceCallerKeysFrom()),
  log
};

Deno.serve(withRequestLog(log, (req) => handleReconcile(req, deps)));
