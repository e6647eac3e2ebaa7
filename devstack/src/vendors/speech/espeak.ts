// Offline speech synthesis for the stand-ins: espeak-ng renders WAV, sox turns it into telephone audio
// (μ-law, 8 kHz, mono), the format Twilio Media Streams and ElevenLabs' ulaw_8000 carry.
import { spawn } from 'node:child_process';

export interface SynthOptions {
  voice?: string;
  wordsPerMinute?: number;
}

const cache = new Map<string, Promise<Buffer>>();
const CACHE_LIMIT = 500;

function run(cmd: string, args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
    child.stdin.end(input);
  });
}

async function render(text: string, opts: SynthOptions): Promise<Buffer> {
  const wav = await run('espeak-ng', ['-v', opts.voice ?? 'en-us', '-s', String(opts.wordsPerMinute ?? 165), '--stdout', text]);
  return run('sox', ['-q', '-t', 'wav', '-', '-r', '8000', '-c', '1', '-e', 'u-law', '-t', 'raw', '-'], wav);
}

/** μ-law 8 kHz mono audio of `text`. Results are cached: stand-ins say the same lines many times. */
export function synthesizeMulaw(text: string, opts: SynthOptions = {}): Promise<Buffer> {
  const key = `${opts.voice ?? ''}|${opts.wordsPerMinute ?? ''}|${text}`;
  let hit = cache.get(key);
  if (!hit) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    hit = render(text, opts);
    hit.catch(() => cache.delete(key));
    cache.set(key, hit);
  }
  return hit;
}
