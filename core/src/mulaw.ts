// G.711 μ-law, the 8 kHz telephone codec Twilio Media Streams carry: 16-bit linear PCM ⇄ 8-bit μ-law.
//
// Encoding follows the ITU-T G.711 reference: bias the magnitude by 0x84, find the segment (exponent) from the
// highest set bit, keep 4 mantissa bits, invert all bits. Both directions are table lookups built once at load:
// 256 decoded samples and 65,536 encoded bytes (64 KiB), so a 20 ms frame costs 160 array reads.

const BIAS = 0x84;
const CLIP = 32635; // largest magnitude that still fits the top segment after biasing

/** μ-law byte for digital silence (linear 0). */
export const MULAW_SILENCE = 0xff;

/** 8 kHz μ-law: a byte a sample, 8 a millisecond. */
export const MULAW_BYTES_PER_MS = 8;

/** One 20 ms frame of 8 kHz μ-law, the unit Twilio Media Streams play: 160 bytes. */
export const MULAW_FRAME_BYTES = 20 * MULAW_BYTES_PER_MS;

function encodeSampleSlow(sample: number): number {
  let sign = 0;
  let magnitude = sample;
  if (magnitude < 0) {
    sign = 0x80;
    magnitude = -magnitude;
  }
  if (magnitude > CLIP) magnitude = CLIP;
  magnitude += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function decodeByteSlow(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = ((((u & 0x0f) << 3) + BIAS) << exponent) - BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

const DECODE_TABLE = new Int16Array(256);
for (let b = 0; b < 256; b++) DECODE_TABLE[b] = decodeByteSlow(b);

// Indexed by the sample's 16-bit two's-complement pattern (sample & 0xffff).
const ENCODE_TABLE = new Uint8Array(65536);
for (let s = -32768; s <= 32767; s++) ENCODE_TABLE[s & 0xffff] = encodeSampleSlow(s);

/** One 16-bit sample (clamped to −32768…32767, fractions truncated) to a μ-law byte. */
export function encodeMulawSample(sample: number): number {
  const clamped = sample > 32767 ? 32767 : sample < -32768 ? -32768 : sample;
  return ENCODE_TABLE[clamped & 0xffff]!;
}

/** One μ-law byte (0…255) to a 16-bit sample. */
export function decodeMulawSample(byte: number): number {
  return DECODE_TABLE[byte & 0xff]!;
}

export function encodeMulaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = ENCODE_TABLE[pcm[i]! & 0xffff]!;
  return out;
}

export function decodeMulaw(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = DECODE_TABLE[bytes[i]!]!;
  return out;
}
