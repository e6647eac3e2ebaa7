import { preflight } from '../_shared/cors.ts';
import { database } from '../_shared/db.ts';
import { functionSettings } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { requirePublishableKey } from '../_shared/project_keys.ts';
import { liveSessionDeps } from '../_shared/user_session.ts';
import { elevenLabsSpeech } from './elevenlabs.ts';
import { DEFAULT_SAMPLE_LIMITS, handlePersonaVoiceSample } from './handler.ts';
import { pgVoiceSampleStore } from './store.ts';

const env = functionSettings(['SUPABASE_URL', 'SUPABASE_DB_URL', 'ELEVENLABS_API_KEY', 'ELEVENLABS_BASE_URL', 'ELEVENLABS_MODEL_ID', 'VOICE_SAMPLES_PER_HOUR']);
const db = database(env.SUPABASE_DB_URL);
const log = functionLogger('persona-voice-sample');

const deps = {
  session: liveSessionDeps(env.SUPABASE_URL, requirePublishableKey(), (sql, args) => db.query(sql, args)),
  store: pgVoiceSampleStore(db),
  speech: elevenLabsSpeech({ baseUrl: env.ELEVENLABS_BASE_URL, apiKey: env.ELEVENLABS_API_KEY }),
  // The model calls use (media relay), so the sample sounds like the call.
  modelId: env.ELEVENLABS_MODEL_ID,
  limits: { ...DEFAULT_SAMPLE_LIMITS, perUserPerWindow: env.VOICE_SAMPLES_PER_HOUR },
  log
};

Deno.serve(withRequestLog(log, (req) => preflight(req) ?? handlePersonaVoiceSample(req, deps)));
