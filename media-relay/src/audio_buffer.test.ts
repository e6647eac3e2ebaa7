import { describe, expect, it } from 'vitest';
import { AudioBuffer } from './audio_buffer.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);

/** Everything the sender would take, in order, waiting when nothing is there. */
async function drainAll(audio: AudioBuffer): Promise<number[][]> {
  const out: number[][] = [];
  for (;;) {
    const chunk = audio.take();
    if (chunk) out.push([...chunk]);
    else if (audio.ended) return out;
    else await audio.ready();
  }
}

describe('AudioBuffer', () => {
  it('gives the chunks in order, those pushed before and after the sender started waiting', async () => {
    const audio = new AudioBuffer();
    audio.push(bytes(1));
    const all = drainAll(audio);
    await Promise.resolve();
    audio.push(bytes(2, 3));
    await new Promise((r) => setTimeout(r, 1));
    audio.push(bytes(4));
    audio.end();
    expect(await all).toEqual([[1], [2, 3], [4]]);
  });

  it('hands over every chunk before the failure, then throws it', async () => {
    const audio = new AudioBuffer();
    audio.push(bytes(1));
    audio.end(new Error('vendor closed'));
    const seen: number[][] = [];
    await expect((async () => {
      for (;;) {
        const chunk = audio.take();
        if (chunk) seen.push([...chunk]);
        else if (audio.ended) return;
        else await audio.ready();
      }
    })()).rejects.toThrow('vendor closed');
    expect(seen).toEqual([[1]]);
  });

  it('wakes a waiting sender when the stream ends with nothing more', async () => {
    const audio = new AudioBuffer();
    const all = drainAll(audio);
    audio.end();
    expect(await all).toEqual([]);
  });
});
