import { describe, expect, it } from 'vitest';
import { closeSentence, microphoneErrorSentence } from './sentences.ts';

describe('microphoneErrorSentence', () => {
  it('tells a person who blocked the microphone how to allow it', () => {
    expect(microphoneErrorSentence(new DOMException('denied', 'NotAllowedError'))).toMatch(/blocked the microphone/);
  });

  it('distinguishes a missing microphone from a busy one and from anything else', () => {
    const missing = microphoneErrorSentence({ name: 'NotFoundError' });
    const busy = microphoneErrorSentence({ name: 'NotReadableError' });
    const other = microphoneErrorSentence(new Error('boom'));
    expect(missing).toMatch(/No microphone/);
    expect(busy).toMatch(/busy/);
    expect(new Set([missing, busy, other]).size).toBe(3);
    expect(microphoneErrorSentence(null)).toBe(other);
  });
});

describe('closeSentence', () => {
  it('says nothing when the call ended normally', () => {
    expect(closeSentence(1000, '')).toBeNull();
  });

  it('explains each refusal the relay can give', () => {
    expect(closeSentence(1008, 'session_revoked')).toMatch(/Sign in again/);
    expect(closeSentence(1008, 'call_finished')).toMatch(/already ended/);
    expect(closeSentence(1008, 'call_already_connected')).toMatch(/another tab/);
    expect(closeSentence(1013, 'verifier_unavailable')).toMatch(/in a moment/);
  });

  it('falls back to the close code for drops without a reason', () => {
    expect(closeSentence(1006, '')).toMatch(/dropped/);
    expect(closeSentence(1011, 'something')).toMatch(/closed unexpectedly/);
  });
});
