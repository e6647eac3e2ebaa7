// ElevenLabs' output_format values, and turning the stand-in's telephone audio into the ones it can render.
import { spawn } from 'node:child_process';

// The text-to-speech stream endpoint's enum (@elevenlabs/elevenlabs-js 2.73, TextToSpeechStreamRequestOutputFormat);
// the non-streaming endpoint adds the wav_* formats.
export const STREAM_OUTPUT_FORMATS: readonly string[] = [
  'mp3_22050_32', 'mp3_24000_48', 'mp3_44100_32', 'mp3_44100_64', 'mp3_44100_96', 'mp3_44100_128', 'mp3_44100_192',
  'pcm_8000', 'pcm_16000', 'pcm_22050', 'pcm_24000', 'pcm_32000', 'pcm_44100', 'pcm_48000',
  'ulaw_8000', 'alaw_8000',
  'opus_48000_32', 'opus_48000_64', 'opus_48000_96', 'opus_48000_128', 'opus_48000_192'
];
export const CONVERT_OUTPUT_FORMATS: readonly string[] = [
  ...STREAM_OUTPUT_FORMATS, 'wav_8000', 'wav_16000', 'wav_22050', 'wav_24000', 'wav_32000', 'wav_44100', 'wav_48000'
];

export const DEFAULT_OUTPUT_FORMAT = 'mp3_44100_128';

/** sox output arguments for a format the stand-in renders; null for compressed formats it has no encoder for. */
function soxTarget(format: string): string[] | null {
  if (format === 'ulaw_8000') return [];
  if (format === 'alaw_8000') return ['-t', 'raw', '-r', '8000', '-e', 'a-law', '-b', '8', '-c', '1', '-'];
  const pcm = /^(pcm|wav)_(\d+)$/.exec(format);
  if (pcm) return ['-t', pcm[1] === 'wav' ? 'wav' : 'raw', '-r', pcm[2]!, '-e', 'signed-integer', '-b', '16', '-c', '1', '-L', '-'];
  return null;
}

export function canRender(format: string): boolean {
  return soxTarget(format) !== null;
}

export const CONTENT_TYPES: Record<string, string> = { ulaw: 'audio/basic', alaw: 'audio/x-alaw-basic', pcm: 'audio/pcm', wav: 'audio/wav' };

/** `mulaw` (8 kHz mono μ-law) in `format`, which must be renderable. */
export function transcode(mulaw: Buffer, format: string): Promise<Buffer> {
  const target = soxTarget(format);
  if (target === null) return Promise.reject(new Error(`cannot render ${format}`));
  if (target.length === 0) return Promise.resolve(mulaw);
  return new Promise((resolve, reject) => {
    const child = spawn('sox', ['-q', '-t', 'raw', '-r', '8000', '-e', 'u-law', '-b', '8', '-c', '1', '-', ...target], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`sox exited ${code}: ${err}`))));
    child.stdin.end(mulaw);
  });
}
