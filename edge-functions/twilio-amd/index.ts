import { database } from '../_shared/db.ts';
import { requireEnv, TWILIO_ENV, twilioBases } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { twilioClient } from '../_shared/twilio_client.ts';
import { handleTwilioAmd } from './handler.ts';

const env = requireEnv(['SUPABASE_DB_URL', 'PUBLIC_API_URL', ...TWILIO_ENV]);
const log = functionLogger('twilio-amd');
const deps = {
  db: database(env.SUPABASE_DB_URL),
  publicApiUrl: env.PUBLIC_API_URL,
  authTokens: [env.TWILIO_AUTH_TOKEN, Deno.env.get('TWILIO_AUTH_TOKEN_PREVIOUS') ?? ''],
  twilio: twilioClient({
    accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, verifyServiceSid: env.TWILIO_VERIFY_SERVICE_SID, ...twilioBases()
  }),
  log
};

Deno.serve(withRequestLog(log, (req) => handleTwilioAmd(req, deps)));
