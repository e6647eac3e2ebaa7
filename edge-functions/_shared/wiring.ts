// Production wiring shared by the command functions: settings, the database pool, Auth session checks, Twilio.
import { database } from './db.ts';
import { allowedCountries, requireEnv, TWILIO_ENV, twilioBases } from './env.ts';
import { functionLogger } from './logger.ts';
import { requirePublishableKey } from './project_keys.ts';
import { twilioClient } from './twilio_client.ts';
import { liveSessionDeps } from './user_session.ts';

/** `fn` is the function's name, on every log line it writes. */
export function commandWiring(fn: string) {
  const env = requireEnv(['SUPABASE_URL', 'SUPABASE_DB_URL', ...TWILIO_ENV]);
  const db = database(env.SUPABASE_DB_URL);
  const twilio = twilioClient({
    accountSid: env.TWILIO_ACCOUNT_SID,
    authToken: env.TWILIO_AUTH_TOKEN,
    verifyServiceSid: env.TWILIO_VERIFY_SERVICE_SID,
    ...twilioBases()
  });
  const session = liveSessionDeps(env.SUPABASE_URL, requirePublishableKey(), (sql, args) => db.query(sql, args));
  return { env, db, twilio, session, allowedCountries: allowedCountries(), log: functionLogger(fn) };
}
