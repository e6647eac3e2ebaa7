import { database } from '../_shared/db.ts';
import { requireEnv } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { handleTwiml } from './handler.ts';

const env = requireEnv(['SUPABASE_DB_URL', 'TWILIO_AUTH_TOKEN', 'PUBLIC_API_URL', 'RELAY_STREAM_URL', 'RELAY_STREAM_TOKEN_SECRET']);
const deps = {
  db: database(env.SUPABASE_DB_URL),
  publicApiUrl: env.PUBLIC_API_URL,
  authTokens: [env.TWILIO_AUTH_TOKEN, Deno.env.get('TWILIO_AUTH_TOKEN_PREVIOUS') ?? ''],
  relayStreamUrl: env.RELAY_STREAM_URL,
  streamTokenSecret: env.RELAY_STREAM_TOKEN_SECRET
};

Deno.serve(withRequestLog(functionLogger('twilio-twiml'), (req) => handleTwiml(req, deps)));
