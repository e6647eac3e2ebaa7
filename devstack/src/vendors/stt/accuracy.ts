// Measures the STT stand-in's accuracy: word error rate of its final transcripts for espeak-ng speech, with and
// without keyterms. Keyterms must lower the error on the phrases they name and leave other speech as heard.
// Run `node devstack/src/vendors/stt/accuracy.ts` for the figures quoted in the README.
import WebSocket from 'ws';
import { synthesizeMulaw } from '../speech/espeak.ts';
import { startSttStandIn } from './server.ts';

/** Lines a caller is expected to say (the simulated callee's script and the like): the keyterm set. */
export const KEYTERM_LINES: readonly string[] = [
  'Hello? Who is this?',
  'Oh hi. I am doing well, thank you.',
  'That sounds good. Tell me more.',
  'Okay, thank you. Goodbye.',
  'What time is it?',
  'Tell me a joke.'
];

/** Free speech outside every keyterm: must be transcribed as heard, never turned into a keyterm. */
export const FREE_LINES: readonly string[] = [
  'My sister is visiting next weekend.',
  'I parked the car behind the station.',
  'Can you call me again tomorrow morning?',
  'The weather has been really cold lately.',
  'I need to buy milk and bread.',
  'We watched a movie last night.'
];

function words(s: string): string[] {
  return s.toLowerCase().replace(/[^a-z0-9' ]/g, ' ').split(/\s+/).filter(Boolean);
}

/** Word-level edit distance over the reference length. */
export function wordErrorRate(ref: string, hyp: string): number {
  const r = words(ref);
  const h = words(hyp);
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const cur = [i];
    for (let j = 1; j <= h.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[h.length]! / Math.max(1, r.length);
}

/** Total word errors over total reference words, the usual corpus WER. */
export function corpusWer(refs: readonly string[], hyps: readonly string[]): number {
  let errors = 0;
  let total = 0;
  refs.forEach((r, i) => {
    const n = words(r).length;
    errors += wordErrorRate(r, hyps[i] ?? '') * n;
    total += n;
  });
  return errors / Math.max(1, total);
}

const SILENCE = (ms: number) => Buffer.alloc((ms / 1000) * 8000, 0xff);
const BASE_Q = 'encoding=mulaw&sample_rate=8000&interim_results=true&endpointing=300&utterance_end_ms=1000';

interface Msg { type: string; is_final?: boolean; channel?: { alternatives: { transcript: string }[] } }

/**
 * Speaks each line (espeak-ng, `wordsPerMinute`) into one stream with pauses between, and returns each line's
 * final transcript: the finals up to the UtteranceEnd its pause produces.
 */
export async function transcribeLines(url: string, lines: readonly string[], keyterms: readonly string[], token = 'accuracy', wordsPerMinute = 150): Promise<string[]> {
  const q = [BASE_Q, ...keyterms.map((k) => `keyterm=${encodeURIComponent(k)}`)].join('&');
  const ws = new WebSocket(`${url}/v1/listen?${q}`, { headers: { Authorization: `Token ${token}` } });
  const queue: Msg[] = [];
  let wake: (() => void) | null = null;
  ws.on('message', (d) => {
    queue.push(JSON.parse(String(d)) as Msg);
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const nextMessage = async (): Promise<Msg> => {
    const deadline = Date.now() + 20_000;
    while (queue.length === 0) {
      if (Date.now() > deadline) throw new Error('no transcript within 20 s');
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1000);
      });
      wake = null;
    }
    return queue.shift()!;
  };
  // Recognition can take longer than the stream's idle timeout; a client keeps the stream open meanwhile.
  const keepAlive = setInterval(() => ws.send(JSON.stringify({ type: 'KeepAlive' })), 3000);
  const out: string[] = [];
  try {
  for (const line of lines) {
    ws.send(Buffer.concat([SILENCE(300), await synthesizeMulaw(line, { wordsPerMinute }), SILENCE(1200)]));
    const parts: string[] = [];
    for (;;) {
      const m = await nextMessage();
      if (m.type === 'UtteranceEnd') break;
      if (m.type === 'Results' && m.is_final) parts.push(m.channel!.alternatives[0]!.transcript);
    }
    out.push(parts.join(' ').replace(/\s+/g, ' ').trim());
  }
  } finally {
    clearInterval(keepAlive);
    ws.close();
  }
  return out;
}

export interface AccuracyReport {
  keytermLines: { without: number; with: number };
  freeLines: { without: number; with: number };
  transcripts: { line: string; without: string; with: string }[];
}

/** WER on keyterm lines and on free lines, each without keyterms and with KEYTERM_LINES as keyterms. */
export async function measureAccuracy(url: string, token?: string): Promise<AccuracyReport> {
  const lines = [...KEYTERM_LINES, ...FREE_LINES];
  const without = await transcribeLines(url, lines, [], token);
  const withK = await transcribeLines(url, lines, KEYTERM_LINES, token);
  const k = KEYTERM_LINES.length;
  return {
    keytermLines: { without: corpusWer(KEYTERM_LINES, without.slice(0, k)), with: corpusWer(KEYTERM_LINES, withK.slice(0, k)) },
    freeLines: { without: corpusWer(FREE_LINES, without.slice(k)), with: corpusWer(FREE_LINES, withK.slice(k)) },
    transcripts: lines.map((line, i) => ({ line, without: without[i]!, with: withK[i]! }))
  };
}

export function formatReport(r: AccuracyReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  return [
    `STT stand-in WER (espeak-ng at 150 wpm, ${KEYTERM_LINES.length} keyterm lines, ${FREE_LINES.length} free lines):`,
    `  keyterm lines: ${pct(r.keytermLines.without)} without keyterms, ${pct(r.keytermLines.with)} with`,
    `  free lines:    ${pct(r.freeLines.without)} without keyterms, ${pct(r.freeLines.with)} with`,
    ...r.transcripts.map((t) => `  "${t.line}" -> "${t.without}" | with keyterms "${t.with}"`)
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stt = await startSttStandIn();
  try {
    console.log(formatReport(await measureAccuracy(stt.url)));
  } finally {
    await stt.close();
  }
}
