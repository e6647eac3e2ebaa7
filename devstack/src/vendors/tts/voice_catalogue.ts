// The voices the ElevenLabs stand-in knows: ElevenLabs' premade (default) voices, which every account can use
// and which the seeded personas use (supabase/seed.sql) along with the relay's default voice, Rachel. Any other
// id gets ElevenLabs' 404 voice_not_found, as an id from another account's library would.

export interface Voice {
  voice_id: string;
  name: string;
  gender: 'female' | 'male' | 'neutral';
  accent: string;
}

export const PREMADE_VOICES: readonly Voice[] = [
  { voice_id: '21m00Tcm4TlvDq8ikWAM', name: 'Rachel', gender: 'female', accent: 'american' },
  { voice_id: '9BWtsMINqrJLrRacOk9x', name: 'Aria', gender: 'female', accent: 'american' },
  { voice_id: 'CwhRBWXzGAHq8TQ4Fs17', name: 'Roger', gender: 'male', accent: 'american' },
  { voice_id: 'EXAVITQu4vr4xnSDxMaL', name: 'Sarah', gender: 'female', accent: 'american' },
  { voice_id: 'FGY2WhTYpPnrIDTdsKH5', name: 'Laura', gender: 'female', accent: 'american' },
  { voice_id: 'IKne3meq5aSn9XLyUdCD', name: 'Charlie', gender: 'male', accent: 'australian' },
  { voice_id: 'JBFqnCBsd6RMkjVDRZzb', name: 'George', gender: 'male', accent: 'british' },
  { voice_id: 'N2lVS1w4EtoT3dr4eOWO', name: 'Callum', gender: 'male', accent: 'transatlantic' },
  { voice_id: 'SAz9YHcvj6GT2YYXdXww', name: 'River', gender: 'neutral', accent: 'american' },
  { voice_id: 'TX3LPaxmHKxFdv7VOQHJ', name: 'Liam', gender: 'male', accent: 'american' },
  { voice_id: 'TxGEqnHWrfWFTfGW9XjX', name: 'Josh', gender: 'male', accent: 'american' },
  { voice_id: 'XB0fDUnXU5powFXDhCwa', name: 'Charlotte', gender: 'female', accent: 'swedish' },
  { voice_id: 'Xb7hH8MSUJpSbSDYk0k2', name: 'Alice', gender: 'female', accent: 'british' },
  { voice_id: 'XrExE9yKIg1WjnnlVkGX', name: 'Matilda', gender: 'female', accent: 'american' },
  { voice_id: 'bIHbv24MWmeRgasZH58o', name: 'Will', gender: 'male', accent: 'american' },
  { voice_id: 'cgSgspJ2msm6clMCkdW9', name: 'Jessica', gender: 'female', accent: 'american' },
  { voice_id: 'cjVigY5qzO86Huf0OWal', name: 'Eric', gender: 'male', accent: 'american' },
  { voice_id: 'iP95p4xoKVk53GoZ742B', name: 'Chris', gender: 'male', accent: 'american' },
  { voice_id: 'nPczCjzI2devNBz1zQrb', name: 'Brian', gender: 'male', accent: 'american' },
  { voice_id: 'onwK4e9ZLuTAKqWW03F9', name: 'Daniel', gender: 'male', accent: 'british' },
  { voice_id: 'pFZP5JQG7iQjIQuC4Bku', name: 'Lily', gender: 'female', accent: 'british' },
  { voice_id: 'pNInz6obpgDQGcFmaJgB', name: 'Adam', gender: 'male', accent: 'american' },
  { voice_id: 'pqHfZKP75CvOlQylNhV4', name: 'Bill', gender: 'male', accent: 'american' }
];

// espeak-ng variants close to each voice's gender and accent, so personas sound distinct and keep their voice.
const VARIANTS: Record<string, readonly string[]> = {
  'female/american': ['en-us+f3', 'en-us+f2', 'en-us+f4'],
  'male/american': ['en-us+m3', 'en-us+m7', 'en-us'],
  'female/british': ['en-gb+f3', 'en-gb+f2'],
  'male/british': ['en-gb', 'en-gb+m3'],
  'neutral/american': ['en-us']
};

function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

/** The espeak-ng voice that renders `voice`. */
export function espeakVoiceFor(voice: Voice): string {
  const options = VARIANTS[`${voice.gender}/${voice.accent}`] ?? VARIANTS[`${voice.gender}/american`] ?? ['en-us'];
  return options[hash(voice.voice_id) % options.length]!;
}
