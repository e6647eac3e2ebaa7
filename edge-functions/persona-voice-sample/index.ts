import { preflight } from '../_shared/cors.ts';
import { database } from '../_shared/db.ts';
import { requireEnv } from '../_shared/env.ts';
import { functionLogger, withRequestLog } from '../_shared/logger.ts';
import { requirePublishableKey } from '../_shared/project_keys.ts';
import { liveSessionDeps } from '../_shared/user_session.ts';
import { elevenLabsSpeech } from './elevenlabs.ts';
import { DEFAULT_SAMPLE_LIMITS, handlePersonaVoiceSample } from './handler.ts';
import { pgVoiceSampleStore } from './store.ts';

const env = requireEnv(['SUPABASE_URL', 'SUPABASE_DB_URL', 'ELEVENLABS_API_KEY']);
const db = database(env.SUPABASE_DB_URL);
const log = functionLogger('persona-voice-sample');
const perHour = Number(Deno.env.get('VOICE_SAMPLES_PER_HOUR') ?? DEFAULT_SAMPLE_LIMITS.perUserPerWindow);

const deps = {
  session: liveSessionDeps(env.SUPABASE_URL, requirePublishableKey(), (sql, args) => db.query(sql, args)),
  store: pgVoiceSampleStore(db),
  speech: elevenLabsSpeech({ baseUrl: Deno.env.get('ELEVENLABS_BASE_URL') ?? 'https://api.elevenlabs.io', apiKey: env.ELEVENLABS_API_KEY }),
  // The model calls use (media relay), so the sample sounds like the call.
  modelId: Deno.env.get('ELEVENLABS_MODEL_ID') ?? 'eleven_flash_v2_5',
  limits: { ...DEFAULT_SAMPLE_LIMITS, perUserPerWindow: Number.isInteger(perHour) && perHour >= 0 ? perHour : DEFAULT_SAMPLE_LIMITS.perUserPerWindow },
  log
};

Deno.serve(withRequestLog(log, (req) => preflight(req) ?? handlePersonaVoiceSample(req, deps)));
