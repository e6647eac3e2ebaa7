import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { synthesizeMulaw } from '../speech/espeak.ts';
import { FREE_LINES, formatReport, KEYTERM_LINES, measureAccuracy } from './accuracy.ts';
import { startSttStandIn, type StandIn } from './server.ts';

const SILENCE = (ms: number) => Buffer.alloc((ms / 1000) * 8000, 0xff);

const normalised = (t: string) => t.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').replace(/\s+/g, ' ').trim();

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

  it('keyterms boost the phrases they name and leave other speech as heard (word error rate, printed)', async () => {
    const report = await measureAccuracy(stt.url, 'test-key');
    console.log(formatReport(report));
    expect(report.keytermLines.with).toBeLessThanOrEqual(0.1);
    expect(report.keytermLines.with).toBeLessThan(report.keytermLines.without);
    // Never restricted to the keyterms: free speech is not turned into one of them, and is no worse with them.
    const keytermTexts = new Set(KEYTERM_LINES.flatMap((k) => [k, ...k.split(/(?<=[.?!,])\s+/)]).map(normalised));
    for (const t of report.transcripts.filter((x) => FREE_LINES.includes(x.line))) expect(keytermTexts.has(normalised(t.with))).toBe(false);
    expect(report.freeLines.with).toBeLessThanOrEqual(report.freeLines.without + 0.15);
  }, 240_000);

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

  it('keeps looking at the audio while the caller pauses: an interim with all the words comes before the final', async () => {
    // The recogniser's clock is the audio: quiet frames inside an utterance are looked at too, and an interim is not
    // held up as long as the end-of-turn final.
    const slow = await startSttStandIn({ latencyMs: 300 });
    try {
      const { ws, next, messages } = await connect(slow.url, `${BASE_Q}&keyterm=${encodeURIComponent('Tell me a joke.')}`);
      await speakRealtime(ws, Buffer.concat([SILENCE(200), await synthesizeMulaw('Tell me a joke.'), SILENCE(600)]));
      await next((m) => m.type === 'Results' && m.speech_final === true);
      const results = messages.filter((m) => m.type === 'Results');
      const final = results.findIndex((m) => m.is_final);
      expect(results[final]!.channel!.alternatives[0]!.transcript).toBe('tell me a joke');
      const interims = results.slice(0, final).map((m) => m.channel!.alternatives[0]!.transcript);
      expect(interims).toContain('tell me a joke');
      expect(results.slice(final + 1).some((m) => !m.is_final)).toBe(false);
      ws.terminate();
    } finally {
      await slow.close();
    }
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
