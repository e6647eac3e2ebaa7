import { preflight } from '../_shared/cors.ts';
import { database } from '../_shared/db.ts';
import { functionSettings } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { requirePublishableKey } from '../_shared/project_keys.ts';
import { liveSessionDeps } from '../_shared/user_session.ts';
import { handleBrowserCallToken, twilioVoiceConfig } from './handler.ts';

const env = functionSettings(['SUPABASE_URL', 'SUPABASE_DB_URL']);
const db = database(env.SUPABASE_DB_URL);
const log = functionLogger('browser-call-token');
// Optional: without an API Key and a TwiML App the function answers browser_calls_unavailable (503).
const twilio = twilioVoiceConfig((n) => Deno.env.get(n));
if (!twilio) {
  log('browser-call-token: TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET and TWILIO_TWIML_APP_SID are not all set; browser calls through Twilio are off');
}
const deps = { session: liveSessionDeps(env.SUPABASE_URL, requirePublishableKey(), (sql, args) => db.query(sql, args)), db, twilio };

Deno.serve(withRequestLog(log, (req) => preflight(req) ?? handleBrowserCallToken(req, deps)));
