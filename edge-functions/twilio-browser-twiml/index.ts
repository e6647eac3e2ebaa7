import { database } from '../_shared/db.ts';
import { functionSettings, twilioAuthTokens } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { handleBrowserTwiml } from './handler.ts';

const env = functionSettings([
  'SUPABASE_DB_URL', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_AUTH_TOKEN_PREVIOUS', 'TWILIO_TWIML_APP_SID', 'PUBLIC_API_URL', 'RELAY_STREAM_URL',
  'RELAY_STREAM_TOKEN_SECRET'
]);
const log = functionLogger('twilio-browser-twiml');
const deps = {
  db: database(env.SUPABASE_DB_URL),
  publicApiUrl: env.PUBLIC_API_URL,
  authTokens: twilioAuthTokens(env),
  accountSid: env.TWILIO_ACCOUNT_SID,
  // Optional like the rest of the browser-call settings: without it every call is rejected.
  twimlAppSid: env.TWILIO_TWIML_APP_SID ?? null,
  relayStreamUrl: env.RELAY_STREAM_URL,
  streamTokenSecret: env.RELAY_STREAM_TOKEN_SECRET,
  log
};

Deno.serve(withRequestLog(log, (req) => handleBrowserTwiml(req, deps)));
