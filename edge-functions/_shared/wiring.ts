// Production wiring shared by the command functions: settings, the database pool, Auth session checks, Twilio.
import type { CountryCode } from 'libphonenumber-js/max';
import type { ProxyTrust } from './client_address.ts';
import { database } from './db.ts';
import { functionSettings, TWILIO_REST_SETTINGS, twilioRest } from './env.ts';
import { functionLogger } from './logger.ts';
import { requirePublishableKey } from './project_keys.ts';
import { twilioClient } from './twilio_client.ts';
import { liveSessionDeps } from './user_session.ts';

/** `fn` is the function's name, on every log line it writes. */
export function commandWiring(fn: string) {
  const env = functionSettings(['SUPABASE_URL', 'SUPABASE_DB_URL', 'PHONE_ALLOWED_COUNTRIES', 'TRUSTED_PROXY_HEADER', 'TRUSTED_PROXY_HOPS', ...TWILIO_REST_SETTINGS]);
  const db = database(env.SUPABASE_DB_URL);
  const twilio = twilioClient(twilioRest(env));
  const session = liveSessionDeps(env.SUPABASE_URL, requirePublishableKey(), (sql, args) => db.query(sql, args));
  // Two-letter codes, checked by the schema; libphonenumber refuses numbers of a country it does not know.
  const allowedCountries = env.PHONE_ALLOWED_COUNTRIES as CountryCode[] | undefined;
  const proxyTrust: ProxyTrust = { header: env.TRUSTED_PROXY_HEADER.toLowerCase(), hops: env.TRUSTED_PROXY_HOPS };
  return { env, db, twilio, session, allowedCountries, proxyTrust, log: functionLogger(fn) };
}
