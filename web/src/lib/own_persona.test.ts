import { describe, expect, it } from 'vitest';
import { parseOwnPersonaForm, splitTraits, voiceLabel, type VoiceOption } from './own_persona';

const VOICES: VoiceOption[] = [{ voice_id: '21m00Tcm4TlvDq8ikWAM', name: 'Rachel', gender: 'female', accent: 'american' }];
const form = (v: Record<string, string>) => ({ get: (k: string) => v[k] ?? null });

describe('own persona form', () => {
  it('accepts a name, a listed voice, traits and a prompt', () => {
    const r = parseOwnPersonaForm(form({ name: '  Nova  Star ', voice_id: '21m00Tcm4TlvDq8ikWAM', traits: 'calm, witty,Calm, ', system_prompt: 'A calm astronaut.' }), VOICES);
    expect(r).toEqual({ ok: true, value: { name: 'Nova Star', voice_id: '21m00Tcm4TlvDq8ikWAM', traits: ['calm', 'witty'], system_prompt: 'A calm astronaut.', description: 'calm, witty' } });
  });

  it('says which field is wrong: missing name, unlisted voice, too many traits, empty prompt', () => {
    const r = parseOwnPersonaForm(form({ name: '', voice_id: 'someone-elses-voice', traits: 'a,b,c,d,e,f,g,h,i', system_prompt: ' ' }), VOICES);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(Object.keys(r.errors).sort()).toEqual(['name', 'system_prompt', 'traits', 'voice_id']);
  });

  it('limits the prompt to 2,000 characters and a trait to 30', () => {
    const r = parseOwnPersonaForm(form({ name: 'N', voice_id: '21m00Tcm4TlvDq8ikWAM', traits: 'x'.repeat(31), system_prompt: 'y'.repeat(2001) }), VOICES);
    expect(r.ok ? [] : Object.keys(r.errors).sort()).toEqual(['system_prompt', 'traits']);
  });

  it('labels voices and splits traits on commas and lines', () => {
    expect(voiceLabel(VOICES[0]!)).toBe('Rachel (female, american)');
    expect(voiceLabel({ voice_id: 'x', name: 'Plain', gender: null, accent: null })).toBe('Plain');
    expect(splitTraits('one\ntwo,  three  four ')).toEqual(['one', 'two', 'three four']);
  });
});
