// ElevenLabs voice settings as the data model stores them (personas.default_voice_*, user_persona_relationships
// .voice_*): numeric(3,2) columns with these ranges. Anything that accepts settings from a person checks them here
// first, with the same ranges and the same two-decimal rounding the columns apply.
import { appError, fail, ok, type AppError, type Result } from './errors.ts';

export interface VoiceSettings {
  stability: number;
  similarityBoost: number;
  style: number;
  speed: number;
}

export const VOICE_SETTING_FIELDS = [
  { column: 'voice_stability', key: 'stability', label: 'Stability', min: 0, max: 1 },
  { column: 'voice_similarity_boost', key: 'similarityBoost', label: 'Similarity', min: 0, max: 1 },
  { column: 'voice_style', key: 'style', label: 'Style', min: 0, max: 1 },
  { column: 'voice_speed', key: 'speed', label: 'Speed', min: 0.7, max: 1.2 }
] as const satisfies readonly { column: string; key: keyof VoiceSettings; label: string; min: number; max: number }[];

/** What a persona the user creates starts with: the personas.default_voice_* column defaults (a test keeps them equal). */
export const NEW_PERSONA_VOICE_SETTINGS: VoiceSettings = { stability: 0.5, similarityBoost: 0.75, style: 0, speed: 1 };

export type VoiceSettingColumn = (typeof VOICE_SETTING_FIELDS)[number]['column'];

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Reads `{voice_stability?, voice_similarity_boost?, voice_style?, voice_speed?}` (column names, JSON numbers). A
 * missing or null field is left out, so the caller falls back to the saved or default value; unknown fields,
 * non-numbers and values out of range are refused with a sentence naming the field.
 */
export function parseVoiceSettings(input: unknown): Result<Partial<VoiceSettings>, AppError> {
  if (input === undefined || input === null) return ok({});
  if (typeof input !== 'object' || Array.isArray(input)) {
    return fail(appError('voice_settings_invalid', 'Send the voice settings as an object of numbers.'));
  }
  const known = new Set<string>(VOICE_SETTING_FIELDS.map((f) => f.column));
  const unknown = Object.keys(input).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    return fail(appError('voice_settings_invalid', `Unknown voice setting: ${unknown.slice(0, 3).join(', ')}. Use stability, similarity, style and speed only.`));
  }
  const out: Partial<VoiceSettings> = {};
  for (const f of VOICE_SETTING_FIELDS) {
    const v = (input as Record<string, unknown>)[f.column];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < f.min || v > f.max) {
      return fail(appError('voice_settings_invalid', `${f.label} must be between ${f.min} and ${f.max}.`));
    }
    out[f.key] = round2(v);
  }
  return ok(out);
}

/** The settings a call uses: what was sent, else the user's saved customisation, else the persona's default. */
export function effectiveVoiceSettings(
  sent: Partial<VoiceSettings>,
  saved: Partial<Record<keyof VoiceSettings, number | null>>,
  defaults: VoiceSettings
): VoiceSettings {
  const pick = (k: keyof VoiceSettings) => round2(sent[k] ?? saved[k] ?? defaults[k]);
  return { stability: pick('stability'), similarityBoost: pick('similarityBoost'), style: pick('style'), speed: pick('speed') };
}
