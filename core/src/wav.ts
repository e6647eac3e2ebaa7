// WAV (RIFF) files of 16-bit linear PCM: what every browser's <audio> plays without a codec. Telephone μ-law from
// the speech vendor is decoded to PCM and wrapped here so a voice sample sounds exactly as it will on the line.
import { decodeMulaw } from './mulaw.ts';

const HEADER_BYTES = 44;

/** A canonical 44-byte-header WAV file of little-endian 16-bit PCM samples (interleaved when channels > 1). */
export function wavFromPcm16(samples: Int16Array, sampleRate: number, channels = 1): Uint8Array {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError('sampleRate must be a positive integer');
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError('channels must be a positive integer');
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(HEADER_BYTES + dataBytes);
  const v = new DataView(out.buffer);
  const ascii = (offset: number, s: string) => { for (let i = 0; i < s.length; i++) out[offset + i] = s.charCodeAt(i); };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true); // fmt chunk size for PCM
  v.setUint16(20, 1, true); // format: linear PCM
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * 2, true); // byte rate
  v.setUint16(32, channels * 2, true); // block align
  v.setUint16(34, 16, true); // bits per sample
  ascii(36, 'data');
  v.setUint32(40, dataBytes, true);
  // Written sample by sample so the file is little-endian whatever the host's byte order.
  for (let i = 0; i < samples.length; i++) v.setInt16(HEADER_BYTES + i * 2, samples[i]!, true);
  return out;
}

/** 8 kHz mono μ-law bytes (ElevenLabs `ulaw_8000`, Twilio media) as a playable WAV file. */
export function wavFromMulaw8k(mulaw: Uint8Array): Uint8Array {
  return wavFromPcm16(decodeMulaw(mulaw), 8000, 1);
}

export interface WavInfo {
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  samples: Int16Array;
}

/** Reads back a file written by wavFromPcm16 (canonical header, 16-bit PCM); null for anything else. */
export function readPcm16Wav(bytes: Uint8Array): WavInfo | null {
  if (bytes.length < HEADER_BYTES) return null;
  const text = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (text(0) !== 'RIFF' || text(8) !== 'WAVE' || text(12) !== 'fmt ' || text(36) !== 'data') return null;
  if (v.getUint16(20, true) !== 1 || v.getUint16(34, true) !== 16) return null;
  const dataBytes = v.getUint32(40, true);
  if (HEADER_BYTES + dataBytes > bytes.length || dataBytes % 2 !== 0) return null;
  const samples = new Int16Array(dataBytes / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = v.getInt16(HEADER_BYTES + i * 2, true);
  return { channels: v.getUint16(22, true), sampleRate: v.getUint32(24, true), bitsPerSample: 16, samples };
}
