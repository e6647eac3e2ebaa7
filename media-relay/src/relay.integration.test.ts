// A whole call through the relay: the production adapters talk to the devstack stand-ins (Deepgram, OpenAI-style
// LLM, ElevenLabs), and a Media Streams client plays the phone: it speaks espeak-ng audio at real-time pace and
// echoes marks as our audio "plays". Covers greeting, answers, barge-in (clear + only heard text kept), the
// persona hanging up after goodbye, transcript and cost events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLlmStandIn } from '../../devstack/src/vendors/llm/server.ts';
import { synthesizeMulaw } from '../../devstack/src/vendors/speech/espeak.ts';
import { startSttStandIn } from '../../devstack/src/vendors/stt/server.ts';
import { startTtsStandIn } from '../../devstack/src/vendors/tts/server.ts';
import { InMemoryCallStore, type CallContext } from './call_store.ts';
import { loadConfig } from './config.ts';
import { createProviders, type ChatMessage, type Providers } from './providers.ts';
import { startRelayServer, type RelayServer } from './server.ts';
import { HmacStreamTokenVerifier, mintStreamToken } from './stream_token.ts';
import { MediaStreamsTestClient } from './testing/media_streams_client.ts';

const SECRET = 'integration-secret-of-at-least-32-chars';
const CALL_SID = `CA${'1'.repeat(32)}`;
const LINES = { who: 'Who is this?', stop: 'Wait, stop, please.', bye: 'Okay, thank you. Goodbye.' };
const CALL: CallContext = {
  callId: 'call-int-1',
  personaName: 'Brad',
  systemPrompt: 'You are Brad, an upbeat friend. Scenario: a friendly chat.',
  // A premade ElevenLabs voice (George): the stand-in, like ElevenLabs, refuses ids outside the account.
  voiceId: 'JBFqnCBsd6RMkjVDRZzb',
  maxDurationSeconds: 300,
  cutoffCents: null,
  warnCents: null,
  keyterms: Object.values(LINES)
};
// Every meter a phone call reports (the line's seconds go with each report instead).
const METERED = ['deepgram/stt_seconds', 'cerebras/llm_input_tokens', 'cerebras/llm_output_tokens', 'elevenlabs/tts_characters'];

type StandIn = { close: () => Promise<void> };

describe('relay: a full call against the stand-ins', () => {
  const standIns: StandIn[] = [];
  const llmRequests: ChatMessage[][] = [];
  const store = new InMemoryCallStore({ calls: [CALL] });
  let relay: RelayServer;

  beforeAll(async () => {
    const stt = await startSttStandIn({ apiKey: 'dg' });
    const llm = await startLlmStandIn({ apiKey: 'llm', latencyMs: 50, tokenDelayMs: 10 });
    const tts = await startTtsStandIn({ apiKey: 'xi', latencyMs: 30 });
    standIns.push(stt, llm, tts);
    const config = loadConfig({
      RELAY_PORT: '0',
      RELAY_STREAM_TOKEN_SECRET: SECRET,
      // This suite keeps the call in memory and opens the stream as Twilio's stand-in would, unsigned.
      RELAY_CALL_STORE: 'memory',
      RELAY_TWILIO_SIGNATURE: 'off',
      LLM_FALLBACK_PROVIDER: 'none',
      DEEPGRAM_BASE_URL: stt.url,
      DEEPGRAM_API_KEY: 'dg',
      LLM_BASE_URL: `${llm.url}/v1`,
      LLM_API_KEY: 'llm',
      ELEVENLABS_BASE_URL: tts.url,
      ELEVENLABS_API_KEY: 'xi',
      RELAY_SILENCE_MS: '20000'
    });
    const real = createProviders(config);
    // Record every LLM request, to check what the model is told after an interruption.
    const providers: Providers = {
      ...real,
      llm: { info: real.llm.info, stream: (req) => { llmRequests.push([...req.messages]); return real.llm.stream(req); } }
    };
    relay = await startRelayServer({ config, verifier: new HmacStreamTokenVerifier({ secret: SECRET }), store, providers: () => providers, log: () => undefined });
  }, 30_000);

  afterAll(async () => {
    await relay?.close();
    for (const s of standIns) await s.close();
  });

  const session = () => relay.sessions.get(CALL.callId);
  const waitFor = async (cond: () => boolean, timeoutMs: number, what: string) => {
    const t0 = performance.now();
    while (!cond()) {
      if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  // The request that answered the caller's words `said`: the LLM may also have been asked preemptively, on words
  // heard before the turn ended (interim transcripts), and those requests are not answers.
  const answerTo = (said: string) => llmRequests.findLast((r) => r.at(-1)?.role === 'user' && r.at(-1)?.content === said);

  it('greets, answers, yields to barge-in keeping only heard text, and hangs up after goodbye', async () => {
    const phone = await MediaStreamsTestClient.connect(`ws://127.0.0.1:${relay.port}/twilio/stream`);
    phone.start(CALL_SID, { stream_token: mintStreamToken({ callId: CALL.callId, callSid: CALL_SID, exp: Math.floor(Date.now() / 1000) + 60 }, SECRET), call_id: CALL.callId });
    phone.startLine();

    // 1. The persona speaks first; every frame is 20 ms of μ-law and every sentence ends with a mark.
    await phone.next((m) => m.event === 'media', 10_000);
    await waitFor(() => session()?.phase === 'listening', 20_000, 'the greeting to finish playing');
    const media = phone.received.filter((m) => m.event === 'media');
    expect(media.every((m) => Buffer.from(m.media!.payload, 'base64').length === 160)).toBe(true);
    expect(phone.received.some((m) => m.event === 'mark')).toBe(true);
    expect(llmRequests[0]!.map((m) => m.role)).toEqual(['system']);

    // 2. The caller asks; the persona answers. While the answer is still playing, the caller cuts in.
    await phone.speak(await synthesizeMulaw(LINES.who));
    await waitFor(() => answerTo('who is this') !== undefined, 10_000, 'the answer to be requested');
    const answerStarted = await phone.next((m) => m.event === 'media', 10_000);
    // The relay sends audio at the pace it plays (a little ahead): half a second into the answer, it is mid-sentence.
    const answerFrames = () => phone.received.filter((m) => m.event === 'media' && m.at >= answerStarted.at).length;
    await waitFor(() => answerFrames() >= 25, 5000, 'the answer to be playing');
    const answerTurnMarks = phone.received.filter((m) => m.event === 'mark').length;
    const spoke = phone.speak(await synthesizeMulaw(LINES.stop));
    const speechStartedAt = performance.now();
    const clear = await phone.next((m) => m.event === 'clear', 3000);
    // Barge-in needs 300 ms of speech audio (15 frames, the last sent ~280 ms after the first); the clear must
    // follow detection within 100 ms.
    const clearAfterSpeechMs = clear.at - speechStartedAt;
    console.log(`barge-in: clear ${clearAfterSpeechMs.toFixed(0)} ms after the caller started speaking (detection: 300 ms of audio = the 15th frame, ~280 ms after the first)`);
    expect(clearAfterSpeechMs).toBeGreaterThanOrEqual(250);
    expect(clearAfterSpeechMs).toBeLessThanOrEqual(300 + 100 + 20);
    // Nothing more of the interrupted answer is sent after the clear.
    await new Promise((r) => setTimeout(r, 300));
    const afterClear = phone.received.filter((m) => m.at > clear.at && m.event === 'media');
    expect(afterClear).toEqual([]);
    await spoke;

    // 3. The next request answers the interruption and carries only what the caller heard of the answer:
    //    nothing of it had played when they cut in, so no assistant message for it at all.
    await waitFor(() => answerTo('wait stop please') !== undefined, 10_000, 'the answer to the interruption');
    const next = answerTo('wait stop please')!;
    expect(next.at(-1)).toEqual({ role: 'user', content: 'wait stop please' });
    const unheard = 'It is Brad, calling like you asked.';
    expect(next.some((m) => m.role === 'assistant' && m.content.includes(unheard))).toBe(false);
    expect(next.filter((m) => m.role === 'assistant')).toHaveLength(1); // only the greeting, heard in full
    expect(answerTurnMarks).toBeGreaterThan(0);

    // 4. The caller says goodbye; the persona says goodbye and the relay hangs up.
    await waitFor(() => session()?.phase === 'listening', 20_000, 'the reply to the interruption to play');
    await phone.speak(await synthesizeMulaw(LINES.bye));
    const closed = await phone.closed;
    expect(closed.code).toBe(1000);
    await waitFor(() => store.finished.has(CALL.callId), 5000, 'the call to be finished');
    expect(store.finished.get(CALL.callId)).toBe('persona_hung_up');

    // Transcript: what the caller said and what the persona said (as heard), in order.
    const caller = store.transcript.filter((s) => s.speaker === 'user').map((s) => s.text);
    expect(caller).toEqual(['who is this', 'wait stop please', 'okay thank you goodbye']);
    const persona = store.transcript.filter((s) => s.speaker === 'persona').map((s) => s.text);
    expect(persona[0]).toMatch(/^Hi, it is Brad\./);
    expect(persona.at(-1)).toMatch(/Goodbye!$/);
    expect(persona.some((p) => p.includes(unheard))).toBe(false);

    // Live text went out while people spoke: the caller's interim words and the persona's sentences.
    expect(store.interims.some((i) => i.speaker === 'user' && i.text.length > 0)).toBe(true);
    expect(store.interims.some((i) => i.speaker === 'persona' && /^Hi, it is Brad\./.test(i.text))).toBe(true);

    // Usage: every service metered, unique idempotency keys, quantities only (the database prices them).
    const keys = store.usage.map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    const services = new Set(store.usage.map((e) => `${e.service}/${e.usage}`));
    for (const m of METERED) expect(services).toContain(m);
    expect(store.usage.every((e) => e.quantity > 0)).toBe(true);
    expect(store.lineSeconds.get(CALL.callId)).toBeGreaterThan(0);

    const metrics = (await (await fetch(`${relay.url}/metrics.json`)).json()) as { barge_ins: number; turn_latency_ms: { count: number; p50: number }; active_calls: number };
    expect(metrics.barge_ins).toBe(1);
    expect(metrics.active_calls).toBe(0);
    expect(metrics.turn_latency_ms.count).toBeGreaterThanOrEqual(3);
    console.log(`turn latency (end of caller turn -> first frame out): p50 ${metrics.turn_latency_ms.p50.toFixed(0)} ms`);
  }, 90_000);
});
