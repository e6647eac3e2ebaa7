// Offline recognition of one utterance with pocketsphinx (CMU Sphinx, en-us model from Debian's packages).
// Telephone μ-law is widened to 16 kHz linear PCM with sox, since the installed acoustic model is wideband.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MODEL_DIR = process.env.POCKETSPHINX_MODEL_DIR ?? '/usr/share/pocketsphinx/model/en-us';

function run(cmd: string, args: string[], input?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-300)}`))));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Words pocketsphinx hears in `mulaw` (8 kHz mono μ-law bytes), lower case, or '' for none. */
export async function recognizeMulaw(mulaw: Buffer): Promise<string> {
  if (mulaw.length < 800) return '';
  const dir = mkdtempSync(join(tmpdir(), 'stt-standin-'));
  try {
    const raw = join(dir, 'in.ul');
    const wav = join(dir, 'in.wav');
    writeFileSync(raw, mulaw);
    // Padding gives the recogniser's own speech detector some silence on both sides of the words. No dither (-D):
    // sox's random dither would make the same audio transcribe differently from run to run.
    await run('sox', ['-q', '-D', '-t', 'raw', '-r', '8000', '-e', 'u-law', '-b', '8', '-c', '1', raw, '-r', '16000', '-b', '16', '-e', 'signed-integer', wav, 'pad', '0.3', '0.3']);
    const out = await run('pocketsphinx_continuous', [
      '-infile', wav,
      '-hmm', join(MODEL_DIR, 'en-us'),
      '-lm', join(MODEL_DIR, 'en-us.lm.bin'),
      '-dict', join(MODEL_DIR, 'cmudict-en-us.dict'),
      '-logfn', '/dev/null'
    ]);
    return out.split('\n').map((l) => l.trim()).filter(Boolean).join(' ').toLowerCase();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
