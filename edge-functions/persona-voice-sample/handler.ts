// A short line in a persona's voice, so people can hear it before it calls them, with the settings they are trying
// out. Text-to-speech is billed per character, so a sample is made once per (voice, model, settings, text) and
// served from the cache after that; the samples one user causes to be made are limited per hour.
//
// POST {persona_id, voice_settings?: {voice_stability?, voice_similarity_boost?, voice_style?, voice_speed?}}, or
// GET ?persona_id=…&voice_stability=… (the same fields, so a browser can keep the answer in its own cache).
// Instead of persona_id, a signed-in user may name a voice_id from the vendor's list (tts-voices): how a persona they
// are creating will sound, before it exists. That line names nobody, so one sample per voice serves every user.
// Answers a WAV file of 8 kHz 16-bit PCM: the telephone audio the persona will have on the call.
//
// A visitor (a GET without a signed-in user's token: the public landing page) may hear each persona's default voice
// and nothing else. Those samples are one fixed line per persona at its default settings, so visitors can cause at
// most one synthesis per persona (then the cache answers), however many of them there are; trying other settings
// needs an account, whose syntheses are counted.
import { appError, type AppError } from '../../core/src/errors.ts';
import { effectiveVoiceSettings, NEW_PERSONA_VOICE_SETTINGS, parseVoiceSettings, VOICE_SETTING_FIELDS, type VoiceSettings } from '../../core/src/voice_settings.ts';
import { wavFromMulaw8k } from '../../core/src/wav.ts';
import { corsHeaders } from '../_shared/cors.ts';
import { isUuid } from '../_shared/ids.ts';
import { readJsonObject } from '../_shared/request_body.ts';
import { failWith } from '../_shared/responses.ts';
import { claimsUser, requireSession, type SessionDeps } from '../_shared/user_session.ts';

/** What shapes the audio besides voice, model, settings and text; part of the cache key. */
export const SAMPLE_FORMAT = 'ulaw_8000>wav_pcm16';
export const SAMPLE_CONTENT_TYPE = 'audio/wav';

export interface PersonaVoice {
  name: string;
  voiceId: string;
  defaults: VoiceSettings;
  /** The user's saved customisation (null where they kept the default). */
  saved: Partial<Record<keyof VoiceSettings, number | null>>;
}

export interface StoredSample {
  contentType: string;
  audio: Uint8Array;
}

export interface VoiceSampleStore {
  /** An active persona the user may pick, with their customisation (none for a visitor); null when there is none by that id. */
  persona(personaId: string, userId: string | null): Promise<PersonaVoice | null>;
  cached(cacheKey: string): Promise<StoredSample | null>;
  /** Counts one synthesis for the user; false when the hourly allowance is used up (nothing counted). */
  takeSynthesis(userId: string, cacheKey: string, limit: number, windowSeconds: number): Promise<boolean>;
  save(sample: StoredSample & { cacheKey: string; voiceId: string; modelId: string; characters: number }): Promise<void>;
}

export interface SpeechRequest {
  voiceId: string;
  modelId: string;
  text: string;
  settings: VoiceSettings;
}

export interface SpeechSynthesizer {
  /** 8 kHz mono μ-law bytes of `text`; throws when the vendor fails or refuses. */
  mulaw8k(req: SpeechRequest): Promise<Uint8Array>;
}

export interface SampleLimits {
  perUserPerWindow: number;
  windowSeconds: number;
}

export const DEFAULT_SAMPLE_LIMITS: SampleLimits = { perUserPerWindow: 20, windowSeconds: 3600 };

export interface VoiceSampleDeps {
  session: SessionDeps;
  store: VoiceSampleStore;
  speech: SpeechSynthesizer;
  modelId: string;
  limits?: SampleLimits;
  log?: (line: string) => void;
}

/** The line every persona says: short (it is paid per character) and the same for everyone, so it caches well. */
export function sampleText(name: string): string {
  return `Hi, it's ${name}. This is how I'll sound when I call you back.`;
}

/** The line of a voice heard before its persona exists. */
export const VOICE_PREVIEW_TEXT = "Hi! This is how I'll sound when I call you back.";

/** The vendor's voice ids are short and alphanumeric; anything else is not a voice from the list. */
const VOICE_ID = /^[A-Za-z0-9]{8,64}$/;

/** Hex SHA-256 of everything that shapes the audio. Settings are written with two decimals, as stored. */
export async function sampleCacheKey(voiceId: string, modelId: string, settings: VoiceSettings, text: string): Promise<string> {
  const s = [settings.stability, settings.similarityBoost, settings.style, settings.speed].map((n) => n.toFixed(2));
  const material = JSON.stringify([SAMPLE_FORMAT, voiceId, modelId, s, text]);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(material));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Samples are fixed for a key. When the request names every setting the answer cannot change, so the browser may
// keep it for a day; otherwise it depends on the saved customisation, which the user may change at any moment.
const LONG_CACHE = 'private, max-age=86400';
const SHORT_CACHE = 'private, max-age=60';

function audioResponse(sample: StoredSample, cacheKey: string, fullySpecified: boolean, source: 'hit' | 'miss'): Response {
  return new Response(sample.audio as BodyInit, {
    status: 200,
    headers: {
      ...corsHeaders,
      'Access-Control-Expose-Headers': 'ETag, X-Voice-Sample',
      'Content-Type': sample.contentType,
      'Content-Length': String(sample.audio.byteLength),
      'Cache-Control': fullySpecified ? LONG_CACHE : SHORT_CACHE,
      ETag: `"${cacheKey}"`,
      Vary: 'Authorization',
      'X-Voice-Sample': source
    }
  });
}

/** The request's fields from the JSON body (POST) or the query string (GET), as one object. */
async function readInput(req: Request): Promise<{ ok: true; personaId: unknown; voiceId: unknown; settings: unknown } | { ok: false; response: Response }> {
  if (req.method === 'GET') {
    const q = new URL(req.url).searchParams;
    const settings: Record<string, unknown> = {};
    for (const [k, v] of q) {
      // Query values are text: a plain decimal becomes a number, anything else stays text and is refused.
      if (k !== 'persona_id' && k !== 'voice_id') settings[k] = /^\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    }
    return { ok: true, personaId: q.get('persona_id'), voiceId: q.get('voice_id'), settings };
  }
  const body = await readJsonObject(req);
  if (!body.ok) return { ok: false, response: failWith(body.error) };
  return { ok: true, personaId: body.value.persona_id, voiceId: body.value.voice_id, settings: body.value.voice_settings };
}

/** The voice, settings and line of the sample asked for: a persona's, or a bare voice's; or the refusal. */
async function sampleSubject(
  input: { personaId: unknown; voiceId: unknown },
  sent: Partial<VoiceSettings>,
  userId: string | null,
  store: VoiceSampleStore
): Promise<{ ok: true; voiceId: string; settings: VoiceSettings; text: string } | { ok: false; response: Response }> {
  const refuse = (err: AppError) => ({ ok: false as const, response: failWith(err) });
  if (input.voiceId !== undefined && input.voiceId !== null) {
    if (input.personaId !== undefined && input.personaId !== null) return refuse(appError('invalid_input', 'Ask for a persona or for a voice, not both.'));
    if (!userId) return refuse(appError('unauthenticated', 'Sign in to hear voices for a persona of your own.'));
    if (typeof input.voiceId !== 'string' || !VOICE_ID.test(input.voiceId)) return refuse(appError('invalid_input', 'That is not a voice from the list. Pick one from the list of voices.'));
    return { ok: true, voiceId: input.voiceId, settings: effectiveVoiceSettings(sent, {}, NEW_PERSONA_VOICE_SETTINGS), text: VOICE_PREVIEW_TEXT };
  }
  if (!isUuid(input.personaId)) return refuse(appError('persona_not_found'));
  const persona = await store.persona(input.personaId, userId);
  if (!persona) return refuse(appError('persona_not_found'));
  return { ok: true, voiceId: persona.voiceId, settings: effectiveVoiceSettings(sent, persona.saved, persona.defaults), text: sampleText(persona.name) };
}

export async function handlePersonaVoiceSample(req: Request, deps: VoiceSampleDeps): Promise<Response> {
  if (req.method !== 'POST' && req.method !== 'GET') return failWith(appError('invalid_input', 'Use POST (or GET with the fields in the query).'));
  const visitor = req.method === 'GET' && !claimsUser(req);
  const session = visitor ? null : await requireSession(req, deps.session);
  if (session instanceof Response) return session;
  const input = await readInput(req);
  if (!input.ok) return input.response;
  const sent = parseVoiceSettings(input.settings);
  if (!sent.ok) return failWith(sent.error);
  if (!session && VOICE_SETTING_FIELDS.some((f) => sent.value[f.key] !== undefined)) {
    return failWith(appError('unauthenticated', 'Sign in to hear a persona with voice settings of your own.'));
  }
  const subject = await sampleSubject(input, sent.value, session?.userId ?? null, deps.store);
  if (!subject.ok) return subject.response;
  const { voiceId, settings, text } = subject;
  // A bare voice's sample depends on nothing saved, so it is as fixed as one with every setting named.
  const fullySpecified = input.voiceId != null || VOICE_SETTING_FIELDS.every((f) => sent.value[f.key] !== undefined);
  const cacheKey = await sampleCacheKey(voiceId, deps.modelId, settings, text);

  if (req.headers.get('if-none-match')?.split(',').some((t) => t.trim().replace(/^W\//, '') === `"${cacheKey}"`)) {
    return new Response(null, { status: 304, headers: { ...corsHeaders, ETag: `"${cacheKey}"`, 'Cache-Control': fullySpecified ? LONG_CACHE : SHORT_CACHE, Vary: 'Authorization' } });
  }
  const hit = await deps.store.cached(cacheKey);
  if (hit) return audioResponse(hit, cacheKey, fullySpecified, 'hit');

  const limits = deps.limits ?? DEFAULT_SAMPLE_LIMITS;
  // A visitor's sample is a persona's default one: bounded by the number of personas (see the top of this file).
  if (session && !(await deps.store.takeSynthesis(session.userId, cacheKey, limits.perUserPerWindow, limits.windowSeconds))) {
    return failWith(appError('voice_sample_rate_limited'), { 'Retry-After': String(limits.windowSeconds) });
  }

  let mulaw: Uint8Array;
  try {
    mulaw = await deps.speech.mulaw8k({ voiceId, modelId: deps.modelId, text, settings });
  } catch (err) {
    deps.log?.(`persona-voice-sample: text-to-speech failed for voice ${voiceId}: ${(err as Error).message}`);
    return failWith(appError('voice_sample_unavailable'));
  }
  if (mulaw.byteLength === 0) {
    deps.log?.(`persona-voice-sample: text-to-speech returned no audio for voice ${voiceId}`);
    return failWith(appError('voice_sample_unavailable'));
  }
  const sample: StoredSample = { contentType: SAMPLE_CONTENT_TYPE, audio: wavFromMulaw8k(mulaw) };
  try {
    await deps.store.save({ ...sample, cacheKey, voiceId, modelId: deps.modelId, characters: text.length });
  } catch (err) {
    // The audio is paid for and good: answer with it even if keeping it failed (the next request makes it again).
    deps.log?.(`persona-voice-sample: could not cache sample ${cacheKey}: ${(err as Error).message}`);
  }
  return audioResponse(sample, cacheKey, fullySpecified, 'miss');
}
