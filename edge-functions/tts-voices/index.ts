import { preflight } from '../_shared/cors.ts';
import { database } from '../_shared/db.ts';
import { functionSettings } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { requirePublishableKey } from '../_shared/project_keys.ts';
import { liveSessionDeps } from '../_shared/user_session.ts';
import { handleTtsVoices } from './handler.ts';
import { elevenLabsVoiceList } from './voice_list.ts';

const env = functionSettings(['SUPABASE_URL', 'SUPABASE_DB_URL', 'ELEVENLABS_API_KEY', 'ELEVENLABS_BASE_URL']);
const db = database(env.SUPABASE_DB_URL);
const log = functionLogger('tts-voices');

const deps = {
  session: liveSessionDeps(env.SUPABASE_URL, requirePublishableKey(), (sql, args) => db.query(sql, args)),
  list: elevenLabsVoiceList({ baseUrl: env.ELEVENLABS_BASE_URL, apiKey: env.ELEVENLABS_API_KEY }),
  log
};

Deno.serve(withRequestLog(log, (req) => preflight(req) ?? handleTtsVoices(req, deps)));
