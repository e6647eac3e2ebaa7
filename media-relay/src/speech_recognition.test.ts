import { describe, expect, it } from 'vitest';
import type { SpeechToText, SttEvent } from './provider_contracts.ts';
import { SpeechRecognition } from './speech_recognition.ts';

function recogniser(failReopen = false) {
  const emit: ((e: SttEvent) => void)[] = [];
  const closes: number[] = [];
  const stt: SpeechToText = {
    info: { service: 'deepgram', model: 'nova-3' },
    open: async ({ onEvent }) => {
      if (failReopen && emit.length === 1) throw new Error('refused');
      const n = emit.push(onEvent);
      return { sendAudio: () => undefined, close: async () => { closes.push(n); return { audioSeconds: 7 }; } };
    }
  };
  const words: string[] = [];
  const lost: unknown[] = [];
  const r = new SpeechRecognition({ stt, keyterms: [], onWords: (e) => words.push(e.text), onLost: (err) => lost.push(err ?? 'closed'), metrics: { error: () => undefined, vendorError: () => undefined }, log: () => undefined });
  return { r, emit, closes, words, lost };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('speech recognition', () => {
  it('reopens once when the vendor closes the stream, and gives up on the second close', async () => {
    const { r, emit, words, lost } = recogniser();
    await r.open();
    emit[0]!({ type: 'closed' });
    await settle();
    expect(emit).toHaveLength(2);
    emit[1]!({ type: 'interim', text: 'still here' });
    expect(words).toEqual(['still here']);
    expect(lost).toEqual([]);
    emit[1]!({ type: 'closed' });
    expect(lost).toEqual(['closed']);
  });

  it('reports a reopen that fails, with its error', async () => {
    const { r, emit, lost } = recogniser(true);
    await r.open();
    emit[0]!({ type: 'closed' });
    await settle();
    expect(lost).toEqual([new Error('refused')]);
  });

  it('hears nothing after close, and gives the seconds the open stream billed', async () => {
    const { r, emit, words, closes } = recogniser();
    await r.open();
    expect(await r.close(99)).toBe(7);
    expect(closes).toEqual([1]);
    emit[0]!({ type: 'final', text: 'late', endOfTurn: true });
    expect(words).toEqual([]);
    expect(await r.close(99)).toBe(0);
  });
});
