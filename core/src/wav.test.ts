import { describe, expect, it } from 'vitest';
import { encodeMulaw } from './mulaw.ts';
import { readPcm16Wav, wavFromMulaw8k, wavFromPcm16 } from './wav.ts';

const ascii = (b: Uint8Array, from: number) => String.fromCharCode(...b.subarray(from, from + 4));

describe('wavFromPcm16', () => {
  it('writes the canonical RIFF/WAVE header for 16-bit PCM', () => {
    const wav = wavFromPcm16(new Int16Array([0, 1, -1, 32767, -32768]), 8000);
    const v = new DataView(wav.buffer);
    expect(wav.length).toBe(44 + 10);
    expect(ascii(wav, 0)).toBe('RIFF');
    expect(v.getUint32(4, true)).toBe(wav.length - 8);
    expect(ascii(wav, 8)).toBe('WAVE');
    expect(ascii(wav, 12)).toBe('fmt ');
    expect(v.getUint32(16, true)).toBe(16);
    expect(v.getUint16(20, true)).toBe(1);
    expect(v.getUint16(22, true)).toBe(1);
    expect(v.getUint32(24, true)).toBe(8000);
    expect(v.getUint32(28, true)).toBe(16000);
    expect(v.getUint16(32, true)).toBe(2);
    expect(v.getUint16(34, true)).toBe(16);
    expect(ascii(wav, 36)).toBe('data');
    expect(v.getUint32(40, true)).toBe(10);
  });

  it('stores samples little-endian, so they read back unchanged', () => {
    const samples = new Int16Array([0, 258, -2, 32767, -32768]);
    const wav = wavFromPcm16(samples, 22050, 1);
    expect([...wav.subarray(44, 48)]).toEqual([0x00, 0x00, 0x02, 0x01]);
    const back = readPcm16Wav(wav);
    expect(back?.sampleRate).toBe(22050);
    expect(back?.channels).toBe(1);
    expect([...back!.samples]).toEqual([...samples]);
  });

  it('accounts for channels in the byte rate and block size', () => {
    const wav = wavFromPcm16(new Int16Array(4), 16000, 2);
    const v = new DataView(wav.buffer);
    expect(v.getUint16(22, true)).toBe(2);
    expect(v.getUint32(28, true)).toBe(64000);
    expect(v.getUint16(32, true)).toBe(4);
  });

  it('makes a valid empty file and refuses nonsense rates', () => {
    expect(readPcm16Wav(wavFromPcm16(new Int16Array(0), 8000))?.samples.length).toBe(0);
    expect(() => wavFromPcm16(new Int16Array(1), 0)).toThrow(RangeError);
    expect(() => wavFromPcm16(new Int16Array(1), 8000, 0)).toThrow(RangeError);
  });
});

describe('wavFromMulaw8k', () => {
  it('decodes telephone μ-law to 8 kHz mono PCM', () => {
    const pcm = new Int16Array([0, 1000, -1000, 8000, -30000]);
    const wav = readPcm16Wav(wavFromMulaw8k(encodeMulaw(pcm)));
    expect(wav?.sampleRate).toBe(8000);
    expect(wav?.channels).toBe(1);
    expect(wav?.samples.length).toBe(pcm.length);
    // μ-law is lossy: each sample comes back within its segment's step.
    wav!.samples.forEach((s, i) => expect(Math.abs(s - pcm[i]!)).toBeLessThanOrEqual(Math.max(8, Math.abs(pcm[i]!) / 16)));
  });
});

describe('readPcm16Wav', () => {
  it('refuses what is not a 16-bit PCM WAV', () => {
    expect(readPcm16Wav(new Uint8Array(10))).toBeNull();
    const wav = wavFromPcm16(new Int16Array(2), 8000);
    const mp3ish = wav.slice();
    mp3ish[0] = 0x49;
    expect(readPcm16Wav(mp3ish)).toBeNull();
    const truncated = wav.slice(0, 46);
    expect(readPcm16Wav(truncated)).toBeNull();
  });
});
