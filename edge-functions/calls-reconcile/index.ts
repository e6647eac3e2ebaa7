import { stripeCardPayments } from '../_shared/card_payments.ts';
import { database } from '../_shared/db.ts';
import { requireEnv, TWILIO_ENV, twilioBases } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { serviceCallerCheck, serviceCallerKeysFrom } from '../_shared/service_role.ts';
import { stripeClient } from '../_shared/stripe_client.ts';
import { twilioClient } from '../_shared/twilio_client.ts';
import { handleReconcile } from './handler.ts';
import { reconcileConfigFrom } from './reconciler.ts';

// Card-paid calls found unsettled are captured or cancelled at Stripe (STRIPE_API_BASE: devstack's stand-in).
const env = requireEnv(['SUPABASE_DB_URL', 'STRIPE_SECRET_KEY', ...TWILIO_ENV]);
const db = database(env.SUPABASE_DB_URL);
const log = functionLogger('calls-reconcile');
const deps = {
  db,
  twilio: twilioClient({
    accountSid: env.TWILIO_ACCOUNT_SID,
    authToken: env.TWILIO_AUTH_TOKEN,
    verifyServiceSid: env.TWILIO_VERIFY_SERVICE_SID,
    ...twilioBases()
  }),
  cards: stripeCardPayments(stripeClient(env.STRIPE_SECRET_KEY, Deno.env.get('STRIPE_API_BASE')), db, log),
  config: reconcileConfigFrom((n) => Deno.env.get(n)),
  authorize: serviceCallerCheck(serviceCallerKeysFrom()),
  log
};

Deno.serve(withRequestLog(log, (req) => handleReconcile(req, deps)));
