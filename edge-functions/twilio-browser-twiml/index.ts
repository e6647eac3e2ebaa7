import { database } from '../_shared/db.ts';
import { requireEnv } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { handleBrowserTwiml } from './handler.ts';

const env = requireEnv(['SUPABASE_DB_URL', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'PUBLIC_API_URL', 'RELAY_STREAM_URL', 'RELAY_STREAM_TOKEN_SECRET']);
const log = functionLogger('twilio-browser-twiml');
const deps = {
  db: database(env.SUPABASE_DB_URL),
  publicApiUrl: env.PUBLIC_API_URL,
  authTokens: [env.TWILIO_AUTH_TOKEN, Deno.env.get('TWILIO_AUTH_TOKEN_PREVIOUS') ?? ''],
  accountSid: env.TWILIO_ACCOUNT_SID,
  // Optional like the rest of the browser-call settings: without it every call is rejected.
  twimlAppSid: Deno.env.get('TWILIO_TWIML_APP_SID') || null,
  relayStreamUrl: env.RELAY_STREAM_URL,
  streamTokenSecret: env.RELAY_STREAM_TOKEN_SECRET,
  log
};

Deno.serve(withRequestLog(log, (req) => handleBrowserTwiml(req, deps)));
