import { describe, expect, it } from 'vitest';
import { synthesizeMulaw } from './espeak.ts';

describe('synthesizeMulaw', () => {
  it('renders speech as 8 kHz μ-law with a plausible duration', async () => {
    const audio = await synthesizeMulaw('Good morning, this is your wake up call.');
    const seconds = audio.length / 8000;
    expect(seconds).toBeGreaterThan(1);
    expect(seconds).toBeLessThan(6);
    // Speech is not silence: μ-law silence is 0xFF/0x7F; real speech spreads over many code values.
    expect(new Set(audio).size).toBeGreaterThan(40);
  });

  it('returns the same audio for the same text', async () => {
    const a = await synthesizeMulaw('Hello there.');
    const b = await synthesizeMulaw('Hello there.');
    expect(b.equals(a)).toBe(true);
  });
});
