import { describe, expect, it } from 'vitest';
import { Downsampler, floatToInt16 } from './resample.ts';

const sine = (freq: number, rate: number, n: number, amp = 0.5) =>
  Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));

const rms = (xs: ArrayLike<number>) => Math.sqrt(Array.from(xs).reduce((s, x) => s + x * x, 0) / xs.length);

describe('floatToInt16', () => {
  it('maps the float range onto 16 bits and clamps beyond it', () => {
    expect(floatToInt16(0)).toBe(0);
    expect(floatToInt16(1)).toBe(32767);
    expect(floatToInt16(-1)).toBe(-32768);
    expect(floatToInt16(2.5)).toBe(32767);
    expect(floatToInt16(-7)).toBe(-32768);
    expect(floatToInt16(0.5)).toBe(16384);
  });
});

describe('Downsampler', () => {
  it('turns one second at 48 kHz into one second at 8 kHz, however the input is chunked', () => {
    const input = sine(440, 48000, 48000);
    const whole = new Downsampler(48000).push(input);
    const chunked = new Downsampler(48000);
    const parts: number[] = [];
    for (let i = 0; i < input.length; i += 128) parts.push(...chunked.push(input.subarray(i, i + 128)));
    expect(whole.length).toBe(8000);
    expect(parts).toEqual(Array.from(whole));
  });

  it('handles rates that are not a whole multiple of 8 kHz (44.1 kHz)', () => {
    const d = new Downsampler(44100);
    let total = 0;
    for (let i = 0; i < 44100; i += 128) total += d.push(new Float32Array(Math.min(128, 44100 - i))).length;
    expect(total).toBeGreaterThanOrEqual(7999);
    expect(total).toBeLessThanOrEqual(8000);
  });

  it('keeps speech-band tones and damps tones above the new Nyquist frequency', () => {
    const speech = new Downsampler(48000).push(sine(300, 48000, 48000));
    const hiss = new Downsampler(48000).push(sine(7900, 48000, 48000));
    // 5 kHz would fold back to 3 kHz, right in the speech band; averaging alone only halves it.
    const fold = new Downsampler(48000).push(sine(5000, 48000, 48000));
    expect(rms(speech) / 32768).toBeGreaterThan(0.3); // a 0.5-amplitude sine has RMS ≈ 0.35
    expect(rms(hiss) / 32768).toBeLessThan(0.02);
    expect(rms(fold) / 32768).toBeLessThan(0.05);
  });

  it('keeps the waveform: a 1 kHz tone stays 1 kHz (8 samples per period)', () => {
    const out = new Downsampler(48000).push(sine(1000, 48000, 4800));
    const crossings = out.slice(1).filter((x, i) => (out[i]! < 0) !== (x < 0)).length;
    expect(crossings).toBeGreaterThanOrEqual(198);
    expect(crossings).toBeLessThanOrEqual(201);
  });

  it('refuses to upsample', () => {
    expect(() => new Downsampler(4000)).toThrow(RangeError);
    expect(() => new Downsampler(Number.NaN)).toThrow(RangeError);
  });
});
