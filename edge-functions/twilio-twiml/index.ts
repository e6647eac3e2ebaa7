import { database } from '../_shared/db.ts';
import { functionSettings, twilioAuthTokens } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { handleTwiml } from './handler.ts';

const env = functionSettings(['SUPABASE_DB_URL', 'TWILIO_AUTH_TOKEN', 'TWILIO_AUTH_TOKEN_PREVIOUS', 'PUBLIC_API_URL', 'RELAY_STREAM_URL', 'RELAY_STREAM_TOKEN_SECRET']);
const deps = {
  db: database(env.SUPABASE_DB_URL),
  publicApiUrl: env.PUBLIC_API_URL,
  authTokens: twilioAuthTokens(env),
  relayStreamUrl: env.RELAY_STREAM_URL,
  streamTokenSecret: env.RELAY_STREAM_TOKEN_SECRET
};

Deno.serve(withRequestLog(functionLogger('twilio-twiml'), (req) => handleTwiml(req, deps)));
