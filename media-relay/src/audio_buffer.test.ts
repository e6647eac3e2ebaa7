import { describe, expect, it } from 'vitest';
import { AudioBuffer } from './audio_buffer.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);

/** Everything the sender is handed, in order, once the stream has ended. */
async function drainAll(audio: AudioBuffer): Promise<number[][]> {
  const out: number[][] = [];
  await audio.drain((chunk) => out.push([...chunk]));
  return out;
}

describe('AudioBuffer', () => {
  it('hands over the chunks in order, those pushed before and while the sender drains, each as it is pushed', async () => {
    const audio = new AudioBuffer();
    audio.push(bytes(1));
    const seen: number[][] = [];
    const all = audio.drain((chunk) => seen.push([...chunk]));
    expect(seen).toEqual([[1]]); // what was waiting, at once
    audio.push(bytes(2, 3));
    expect(seen).toEqual([[1], [2, 3]]); // in the push itself: no promise per chunk
    await new Promise((r) => setTimeout(r, 1));
    audio.push(bytes(4));
    audio.end();
    await all;
    expect(seen).toEqual([[1], [2, 3], [4]]);
  });

  it('hands over every chunk before the failure, then rejects with it', async () => {
    const audio = new AudioBuffer();
    audio.push(bytes(1));
    audio.end(new Error('vendor closed'));
    const seen: number[][] = [];
    await expect(audio.drain((chunk) => seen.push([...chunk]))).rejects.toThrow('vendor closed');
    expect(seen).toEqual([[1]]);
  });

  it('ends a drain when the stream ends with nothing more', async () => {
    const audio = new AudioBuffer();
    const all = drainAll(audio);
    audio.end();
    expect(await all).toEqual([]);
  });

  it('stops handing over when the sender throws, and rejects with what it threw', async () => {
    const audio = new AudioBuffer();
    const seen: number[][] = [];
    const drained = audio.drain((chunk) => {
      if (chunk[0] === 2) throw new Error('line gone');
      seen.push([...chunk]);
    });
    audio.push(bytes(1));
    audio.push(bytes(2));
    audio.push(bytes(3));
    audio.end();
    await expect(drained).rejects.toThrow('line gone');
    expect(seen).toEqual([[1]]);
  });
});
