// A persona of the user's own: form input → the row to write, or a sentence per field. The database checks the
// same limits; the voice must be one the TTS vendor lists (tts-voices function), checked here before saving.
import type { FieldErrors, Parsed } from './forms.ts';

type Fields = { get(name: string): FormDataEntryValue | null };

export interface VoiceOption {
  voice_id: string;
  name: string;
  gender: string | null;
  accent: string | null;
}

export interface OwnPersonaRow {
  name: string;
  voice_id: string;
  traits: string[];
  system_prompt: string;
  description: string;
}

export const OWN_PERSONA_LIMITS = { name: 50, prompt: 2000, traits: 8, trait: 30 } as const;

const text = (f: Fields, name: string): string => String(f.get(name) ?? '').trim();

/** "calm, witty,  dry humour" → ["calm", "witty", "dry humour"]: comma-separated, blanks and repeats dropped. */
export function splitTraits(raw: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of raw.split(/[,\n]/).map((s) => s.replace(/\s+/g, ' ').trim()).filter(Boolean)) {
    const key = t.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(t);
    }
  }
  return out;
}

/** A voice's label in the picker: "Rachel (female, american)". */
export function voiceLabel(v: VoiceOption): string {
  const about = [v.gender, v.accent].filter(Boolean).join(', ');
  return about ? `${v.name} (${about})` : v.name;
}

export function parseOwnPersonaForm(f: Fields, voices: readonly VoiceOption[]): Parsed<OwnPersonaRow> {
  const errors: FieldErrors = {};
  const name = text(f, 'name').replace(/\s+/g, ' ');
  if (!name) errors.name = 'Give the persona a name.';
  else if (name.length > OWN_PERSONA_LIMITS.name) errors.name = `Keep the name to ${OWN_PERSONA_LIMITS.name} characters or fewer.`;
  const voiceId = text(f, 'voice_id');
  if (!voiceId) errors.voice_id = 'Pick a voice from the list.';
  else if (!voices.some((v) => v.voice_id === voiceId)) errors.voice_id = 'That voice is not available. Pick one from the list.';
  const traits = splitTraits(text(f, 'traits'));
  if (traits.length > OWN_PERSONA_LIMITS.traits) errors.traits = `Give at most ${OWN_PERSONA_LIMITS.traits} traits (now ${traits.length}).`;
  else if (traits.some((t) => t.length > OWN_PERSONA_LIMITS.trait)) errors.traits = `Keep each trait to ${OWN_PERSONA_LIMITS.trait} characters or fewer.`;
  const prompt = text(f, 'system_prompt');
  if (!prompt) errors.system_prompt = 'Describe who the persona is and how it talks.';
  else if (prompt.length > OWN_PERSONA_LIMITS.prompt) errors.system_prompt = `Keep the description to 2,000 characters (now ${prompt.length}).`;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const description = (traits.length > 0 ? traits.join(', ') : prompt).slice(0, 200);
  return { ok: true, value: { name, voice_id: voiceId, traits, system_prompt: prompt, description } };
}
