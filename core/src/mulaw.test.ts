import { describe, expect, it } from 'vitest';
import { MULAW_SILENCE, decodeMulaw, decodeMulawSample, encodeMulaw, encodeMulawSample } from './mulaw.ts';

describe('known G.711 μ-law values', () => {
  it('maps silence both ways', () => {
    expect(encodeMulawSample(0)).toBe(0xff);
    expect(MULAW_SILENCE).toBe(0xff);
    expect(decodeMulawSample(0xff)).toBe(0);
    expect(decodeMulawSample(0x7f)).toBe(0); // "negative zero"
  });

  it('maps the extremes', () => {
    expect(encodeMulawSample(32767)).toBe(0x80);
    expect(encodeMulawSample(-32768)).toBe(0x00);
    expect(decodeMulawSample(0x80)).toBe(32124);
    expect(decodeMulawSample(0x00)).toBe(-32124);
  });

  it('matches reference points of the segment table', () => {
    // Segment 0 step is 8 with the first interval centred on 0: ±1..±3 still encode as zero-level bytes.
    expect(encodeMulawSample(3)).toBe(0xff);
    expect(encodeMulawSample(-3)).toBe(0x7f);
    expect(encodeMulawSample(8)).toBe(0xfe);
    expect(decodeMulawSample(0xfe)).toBe(8);
    expect(decodeMulawSample(0xef)).toBe(132); // segment 1 starts at 132 after the bias
    expect(decodeMulawSample(0xf0)).toBe(120); // top level of segment 0: ((15 << 3) + 132) - 132
    expect(encodeMulawSample(1000)).toBe(0xce);
    expect(decodeMulawSample(0xce)).toBe(988);
  });

  it('clamps out-of-range samples', () => {
    expect(encodeMulawSample(100_000)).toBe(0x80);
    expect(encodeMulawSample(-100_000)).toBe(0x00);
  });
});

describe('round trips', () => {
  it('decoding then encoding returns every byte (except negative zero, which becomes 0xFF)', () => {
    for (let b = 0; b < 256; b++) {
      expect(encodeMulawSample(decodeMulawSample(b))).toBe(b === 0x7f ? 0xff : b);
    }
  });

  it('keeps every 16-bit sample within half a quantisation step', () => {
    let worst = 0;
    for (let x = -32768; x <= 32767; x++) {
      const b = encodeMulawSample(x);
      const segment = (~b >> 4) & 0x07;
      const error = Math.abs(decodeMulawSample(b) - x);
      const clipped = Math.max(0, Math.abs(x) - 32635);
      expect(error).toBeLessThanOrEqual(2 ** (segment + 2) + clipped);
      worst = Math.max(worst, error);
    }
    expect(worst).toBe(32768 - 32124);
  });

  it('is monotonic: louder samples never encode to a quieter level', () => {
    let previous = decodeMulawSample(encodeMulawSample(-32768));
    for (let x = -32767; x <= 32767; x++) {
      const level = decodeMulawSample(encodeMulawSample(x));
      expect(level).toBeGreaterThanOrEqual(previous);
      previous = level;
    }
  });
});

describe('buffers', () => {
  it('encode and decode whole frames', () => {
    const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    const encoded = encodeMulaw(pcm);
    expect(encoded).toBeInstanceOf(Uint8Array);
    expect(encoded.length).toBe(160);
    const decoded = decodeMulaw(encoded);
    expect(decoded).toBeInstanceOf(Int16Array);
    for (let i = 0; i < pcm.length; i++) {
      expect(decoded[i]).toBe(decodeMulawSample(encodeMulawSample(pcm[i]!)));
      expect(Math.abs(decoded[i]! - pcm[i]!)).toBeLessThanOrEqual(256);
    }
    expect(encodeMulaw(new Int16Array(4))).toEqual(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
  });
});
