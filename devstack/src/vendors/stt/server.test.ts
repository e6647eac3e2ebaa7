import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { synthesizeMulaw } from '../speech/espeak.ts';
import { startSttStandIn, type StandIn } from './server.ts';

const SILENCE = (ms: number) => Buffer.alloc((ms / 1000) * 8000, 0xff);

/** Word error rate: word-level edit distance over the reference length. */
function wer(ref: string, hyp: string): number {
  const r = ref.toLowerCase().replace(/[^a-z' ]/g, ' ').split(/\s+/).filter(Boolean);
  const h = hyp.toLowerCase().replace(/[^a-z' ]/g, ' ').split(/\s+/).filter(Boolean);
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const cur = [i];
    for (let j = 1; j <= h.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[h.length]! / r.length;
}

interface Msg { type: string; is_final?: boolean; speech_final?: boolean; channel?: { alternatives: { transcript: string }[] }; err_code?: string }

function connect(url: string, query: string, token = 'test-key'): Promise<{ ws: WebSocket; messages: Msg[]; next: (pred: (m: Msg) => boolean, timeoutMs?: number) => Promise<Msg> }> {
  const ws = new WebSocket(`${url}/v1/listen?${query}`, { headers: { Authorization: `Token ${token}` } });
  const messages: Msg[] = [];
  const waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  let seen = 0;
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as Msg;
    messages.push(m);
    for (const w of [...waiters]) if (w.pred(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
  });
  const next = (pred: (m: Msg) => boolean, timeoutMs = 8000) => new Promise<Msg>((resolve, reject) => {
    const found = messages.slice(seen).find(pred);
    if (found) { seen = messages.indexOf(found) + 1; return resolve(found); }
    const t = setTimeout(() => reject(new Error('timed out waiting for a message')), timeoutMs);
    waiters.push({ pred, resolve: (m) => { clearTimeout(t); seen = messages.indexOf(m) + 1; resolve(m); } });
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, next }));
    ws.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const BASE_Q = 'encoding=mulaw&sample_rate=8000&interim_results=true&endpointing=300&utterance_end_ms=1000&vad_events=true';
const PHRASES = [
  'Hello? Who is this?',
  'Oh hi. I am doing well, thank you.',
  'That sounds good. Tell me more.',
  'Okay, thank you. Goodbye.',
  'What time is it?',
  'Tell me a joke.',
  'I have to go now.',
  'Wait, stop, please.'
];

/**
 * Speaks each phrase into a stream followed by a long pause, and joins the final transcripts up to the
 * UtteranceEnd that pause produces (a phrase of several sentences is endpointed sentence by sentence).
 */
async function transcribeAll(url: string, query: string): Promise<string[]> {
  const { ws, next } = await connect(url, query);
  const out: string[] = [];
  for (const p of PHRASES) {
    ws.send(Buffer.concat([SILENCE(300), await synthesizeMulaw(p, { wordsPerMinute: 150 }), SILENCE(1200)]));
    const parts: string[] = [];
    for (;;) {
      const m = await next((x) => x.type === 'UtteranceEnd' || (x.type === 'Results' && x.is_final === true), 15_000);
      if (m.type === 'UtteranceEnd') break;
      parts.push(m.channel!.alternatives[0]!.transcript);
    }
    out.push(parts.join(' ').trim());
  }
  ws.close();
  return out;
}

/** Sends audio in 20 ms frames at real-time pace, as a phone line does. */
async function speakRealtime(ws: WebSocket, audio: Buffer): Promise<void> {
  for (let i = 0; i < audio.length; i += 160) {
    ws.send(audio.subarray(i, i + 160));
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Deepgram-compatible STT stand-in', () => {
  let stt: StandIn;
  beforeAll(async () => { stt = await startSttStandIn({ apiKey: 'test-key' }); });
  afterAll(() => stt.close());

  it('refuses a stream without the right token', async () => {
    await expect(connect(stt.url, BASE_Q, 'wrong')).rejects.toThrow('HTTP 401');
  });

  it('refuses audio formats it cannot decode', async () => {
    await expect(connect(stt.url, 'encoding=linear16&sample_rate=16000')).rejects.toThrow('HTTP 400');
  });

  it('measures word error rate on espeak-ng phrases, with and without the expected phrases', async () => {
    const free = await transcribeAll(stt.url, BASE_Q);
    const keyterms = PHRASES.map((p) => `keyterm=${encodeURIComponent(p)}`).join('&');
    const constrained = await transcribeAll(stt.url, `${BASE_Q}&${keyterms}`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const werFree = mean(PHRASES.map((p, i) => wer(p, free[i]!)));
    const werKeyterms = mean(PHRASES.map((p, i) => wer(p, constrained[i]!)));
    console.log(`STT stand-in WER on ${PHRASES.length} espeak-ng phrases (slower voice than the templates): ` +
      `free pocketsphinx ${(werFree * 100).toFixed(0)}%, with keyterm phrases ${(werKeyterms * 100).toFixed(0)}%`);
    for (let i = 0; i < PHRASES.length; i++) console.log(`  "${PHRASES[i]}" -> free "${free[i]}" | keyterms "${constrained[i]}"`);
    expect(werKeyterms).toBeLessThanOrEqual(0.1);
    expect(werKeyterms).toBeLessThan(werFree);
  }, 120_000);

  it('sends SpeechStarted, interim and final results, then UtteranceEnd, and closes on CloseStream', async () => {
    const { ws, next, messages } = await connect(stt.url, `${BASE_Q}&keyterm=${encodeURIComponent('That sounds good. Tell me more.')}`);
    await speakRealtime(ws, Buffer.concat([SILENCE(200), await synthesizeMulaw('That sounds good. Tell me more.'), SILENCE(1500)]));
    await next((m) => m.type === 'UtteranceEnd');
    const types = messages.map((m) => (m.type === 'Results' ? (m.is_final ? 'final' : 'interim') : m.type));
    expect(types[0]).toBe('SpeechStarted');
    expect(types).toContain('interim');
    const finals = messages.filter((m) => m.type === 'Results' && m.is_final).map((m) => m.channel!.alternatives[0]!.transcript);
    expect(finals.join(' ')).toBe('that sounds good tell me more');
    expect(types.indexOf('UtteranceEnd')).toBeGreaterThan(types.lastIndexOf('final'));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send(JSON.stringify({ type: 'CloseStream' }));
    await next((m) => m.type === 'Metadata');
    expect(await closed).toBe(1000);
  }, 30_000);

  it('keeps an idle stream open with KeepAlive and closes it with NET-0001 without', async () => {
    const idle = await startSttStandIn({ idleTimeoutMs: 300 });
    try {
      const { ws, next } = await connect(idle.url, BASE_Q);
      const keep = setInterval(() => ws.send(JSON.stringify({ type: 'KeepAlive' })), 100);
      await new Promise((r) => setTimeout(r, 600));
      expect(ws.readyState).toBe(WebSocket.OPEN);
      clearInterval(keep);
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      expect((await next((m) => m.type === 'Error')).err_code).toBe('NET-0001');
      expect(await closed).toBe(1011);
    } finally {
      await idle.close();
    }
  });
});
