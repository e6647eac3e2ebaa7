import { describe, expect, it } from 'vitest';
import { personaReply, tokenize } from './persona_engine.ts';

const system = { role: 'system' as const, content: 'You are Brad, a cheerful friend. Scenario: wake-up call for the user.' };

describe('scripted persona engine', () => {
  it('greets in character with the scenario when the conversation starts', () => {
    const r = personaReply([system]);
    expect(r.text).toBe('Hi, it is Brad. Rise and shine! This is your wake-up call.');
    expect(r.endsCall).toBe(false);
  });

  it('answers what the caller said, in one to three short sentences, deterministically', () => {
    const msgs = [system, { role: 'assistant' as const, content: 'Hi.' }, { role: 'user' as const, content: 'who is this' }];
    const r = personaReply(msgs);
    expect(r.text.startsWith('It is Brad, calling like you asked.')).toBe(true);
    expect(r.text.split(/[.?!]\s/).length).toBeLessThanOrEqual(3);
    expect(personaReply(msgs)).toEqual(r);
  });

  it('says goodbye and ends the call when the caller wants to go', () => {
    const r = personaReply([system, { role: 'user', content: 'okay thank you goodbye' }]);
    expect(r.endsCall).toBe(true);
    expect(r.text).toMatch(/goodbye/i);
  });

  it('wraps up when told to by a later system message', () => {
    const r = personaReply([system, { role: 'user', content: 'tell me a joke' }, { role: 'system', content: 'Budget nearly used: wrap up the call now.' }]);
    expect(r.endsCall).toBe(true);
    expect(r.text).toContain('It lost its contacts.');
    expect(r.text).toMatch(/goodbye/i);
  });

  it('tokenizes into words that join back to the text', () => {
    const text = 'Hi, it is Brad. How are you?';
    expect(tokenize(text).join('')).toBe(text);
    expect(tokenize(text)).toHaveLength(7);
  });
});
