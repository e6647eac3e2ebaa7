import { describe, expect, it } from 'vitest';
import { effectiveVoiceSettings, parseVoiceSettings } from './voice_settings.ts';

const codeOf = (r: ReturnType<typeof parseVoiceSettings>) => (r.ok ? null : r.error.code);
const messageOf = (r: ReturnType<typeof parseVoiceSettings>) => (r.ok ? null : r.error.message);

describe('parseVoiceSettings', () => {
  it('reads the four columns and rounds to two decimals like the database', () => {
    const r = parseVoiceSettings({ voice_stability: 0.555, voice_similarity_boost: 1, voice_style: 0, voice_speed: 0.7 });
    expect(r).toEqual({ ok: true, value: { stability: 0.56, similarityBoost: 1, style: 0, speed: 0.7 } });
  });

  it('leaves out what is missing or null, and accepts nothing at all', () => {
    expect(parseVoiceSettings({ voice_speed: 1.1, voice_style: null })).toEqual({ ok: true, value: { speed: 1.1 } });
    expect(parseVoiceSettings(undefined)).toEqual({ ok: true, value: {} });
    expect(parseVoiceSettings(null)).toEqual({ ok: true, value: {} });
  });

  it('refuses values outside the column ranges, naming the field', () => {
    expect(messageOf(parseVoiceSettings({ voice_speed: 1.21 }))).toBe('Speed must be between 0.7 and 1.2.');
    expect(messageOf(parseVoiceSettings({ voice_speed: 0.69 }))).toBe('Speed must be between 0.7 and 1.2.');
    expect(messageOf(parseVoiceSettings({ voice_stability: -0.01 }))).toBe('Stability must be between 0 and 1.');
    expect(messageOf(parseVoiceSettings({ voice_similarity_boost: 1.5 }))).toBe('Similarity must be between 0 and 1.');
    expect(messageOf(parseVoiceSettings({ voice_style: 2 }))).toBe('Style must be between 0 and 1.');
  });

  it('refuses non-numbers, unknown fields and non-objects with one code', () => {
    for (const bad of [{ voice_speed: '1' }, { voice_speed: Number.NaN }, { voice_speed: Infinity }, { speed: 1 }, [], 'fast', 3]) {
      expect(codeOf(parseVoiceSettings(bad))).toBe('voice_settings_invalid');
    }
  });
});

describe('effectiveVoiceSettings', () => {
  const defaults = { stability: 0.5, similarityBoost: 0.75, style: 0, speed: 1 };

  it('prefers what was sent, then what the user saved, then the persona default', () => {
    expect(effectiveVoiceSettings({ speed: 1.2 }, { speed: 0.9, stability: 0.3, style: null }, defaults))
      .toEqual({ stability: 0.3, similarityBoost: 0.75, style: 0, speed: 1.2 });
    expect(effectiveVoiceSettings({}, {}, defaults)).toEqual(defaults);
  });
});
