import { database } from '../_shared/db.ts';
import { requireEnv } from '../_shared/env.ts';
import { handleTwilioStatus } from './handler.ts';

// PUBLIC_API_URL is the origin Twilio calls (the signature covers it); TWILIO_AUTH_TOKEN_PREVIOUS eases rotation.
const env = requireEnv(['SUPABASE_DB_URL', 'TWILIO_AUTH_TOKEN', 'PUBLIC_API_URL']);
const deps = {
  db: database(env.SUPABASE_DB_URL),
  publicApiUrl: env.PUBLIC_API_URL,
  authTokens: [env.TWILIO_AUTH_TOKEN, Deno.env.get('TWILIO_AUTH_TOKEN_PREVIOUS') ?? ''],
  log: (line: string) => console.log(line)
};

Deno.serve((req) => handleTwilioStatus(req, deps));
