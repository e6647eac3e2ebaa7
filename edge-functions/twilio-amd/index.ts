import { database } from '../_shared/db.ts';
import { functionSettings, TWILIO_REST_SETTINGS, twilioAuthTokens, twilioRest } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { twilioClient } from '../_shared/twilio_client.ts';
import { handleTwilioAmd } from './handler.ts';

const env = functionSettings(['SUPABASE_DB_URL', 'PUBLIC_API_URL', 'TWILIO_AUTH_TOKEN_PREVIOUS', ...TWILIO_REST_SETTINGS]);
const log = functionLogger('twilio-amd');
const deps = {
  db: database(env.SUPABASE_DB_URL),
  publicApiUrl: env.PUBLIC_API_URL,
  authTokens: twilioAuthTokens(env),
  twilio: twilioClient(twilioRest(env)),
  log
};

Deno.serve(withRequestLog(log, (req) => handleTwilioAmd(req, deps)));
