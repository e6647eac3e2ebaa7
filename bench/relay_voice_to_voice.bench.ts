// Voice to voice: the caller stops speaking -> the first frame of the persona's answer reaches the phone, p50/p95,
// with private stand-ins slowed to published vendor figures: speech-to-text final 300 ms after the end of speech
// (Deepgram's default endpointing of 10 ms, then 300 ms), LLM first token 250 ms, TTS first byte 100 ms.
// Baseline in the same run: the same chain without the relay (STT adapter -> LLM adapter to the first sentence ->
// TTS adapter to the first byte), timed from the same end of speech. The difference is what the relay adds.
// Run: node bench/relay_voice_to_voice.bench.ts
import { decodeMulaw } from '../core/src/mulaw.ts';
import { SentenceChunker } from '../core/src/sentence_chunker.ts';
import { startLlmStandIn } from '../devstack/src/vendors/llm/server.ts';
import { synthesizeMulaw } from '../devstack/src/vendors/speech/espeak.ts';
import { startSttStandIn } from '../devstack/src/vendors/stt/server.ts';
import { startTtsStandIn } from '../devstack/src/vendors/tts/server.ts';
import { InMemoryCallStore } from '../media-relay/src/call_store.ts';
import { loadConfig } from '../media-relay/src/config.ts';
import { createProviders } from '../media-relay/src/providers.ts';
import { startRelayServer } from '../media-relay/src/server.ts';
import { HmacStreamTokenVerifier, mintStreamToken } from '../media-relay/src/stream_token.ts';
import { MediaStreamsTestClient } from '../media-relay/src/testing/media_streams_client.ts';
import { summary } from './stats.ts';

const LATENCY = { sttFinalMs: 300, llmFirstTokenMs: 250, ttsFirstByteMs: 100 };
const ENDPOINTING_MS = 10;
const WARMUP_TURNS = 2;
const TURNS = 12;
const TARGET_P50_MS = 800;
const SECRET = 'bench-secret-of-at-least-32-characters!';
// One sentence each: a pause inside a phrase would end the turn early with endpointing this short.
const PHRASES = ['Who is this?', 'Tell me more about it.', 'What time is it?', 'Tell me a joke.', 'How are you?'];
const FRAME = 160;

/** The phrase without trailing quiet frames, so "stopped speaking" is the last frame with speech in it. */
function trimTrailingSilence(mulaw: Uint8Array): Uint8Array {
  let end = Math.floor(mulaw.length / FRAME) * FRAME;
  while (end > FRAME) {
    const pcm = decodeMulaw(mulaw.subarray(end - FRAME, end));
    let s = 0;
    for (const x of pcm) s += x * x;
    if (Math.sqrt(s / pcm.length) >= 400) break;
    end -= FRAME;
  }
  return mulaw.slice(0, end);
}

const stt = await startSttStandIn({ apiKey: 'dg', latencyMs: LATENCY.sttFinalMs });
const llm = await startLlmStandIn({ apiKey: 'llm', latencyMs: LATENCY.llmFirstTokenMs });
const tts = await startTtsStandIn({ apiKey: 'xi', latencyMs: LATENCY.ttsFirstByteMs });
const config = loadConfig({
  RELAY_PORT: '0', RELAY_STREAM_TOKEN_SECRET: SECRET,
  RELAY_CALL_STORE: 'memory', RELAY_TWILIO_SIGNATURE: 'off', LLM_FALLBACK_PROVIDER: 'none',
  DEEPGRAM_BASE_URL: stt.url, DEEPGRAM_API_KEY: 'dg', STT_ENDPOINTING_MS: String(ENDPOINTING_MS),
  LLM_BASE_URL: `${llm.url}/v1`, LLM_API_KEY: 'llm', ELEVENLABS_BASE_URL: tts.url, ELEVENLABS_API_KEY: 'xi',
  RELAY_SILENCE_MS: '60000'
});
const providers = createProviders(config);
const store = new InMemoryCallStore();
const relay = await startRelayServer({ config, verifier: new HmacStreamTokenVerifier({ secret: SECRET }), store, providers: () => providers, log: () => undefined });
const audio = (await Promise.all(PHRASES.map((p) => synthesizeMulaw(p)))).map(trimTrailingSilence);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const throughRelay: number[] = [];
const baseline: number[] = [];
try {
  // Through the relay: one call, the phone speaking at real-time pace and "playing" our audio at once.
  const callId = 'v2v-call';
  const callSid = `CA${'7'.repeat(32)}`;
  store.calls.set(callId, { callId, personaName: 'Alex', systemPrompt: 'You are Alex. Scenario: a friendly chat.', voiceId: 'IKne3meq5aSn9XLyUdCD', maxDurationSeconds: 900, cutoffCents: null, warnCents: null, keyterms: PHRASES });
  const phone = await MediaStreamsTestClient.connect(`ws://127.0.0.1:${relay.port}/twilio/stream`);
  phone.instantPlayback = true;
  phone.start(callSid, { stream_token: mintStreamToken({ callId, callSid, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET) });
  phone.startLine();
  const session = () => relay.sessions.get(callId);
  const idle = async () => { while (session()?.phase !== 'listening') await sleep(5); };
  await idle();
  for (let t = 0; t < WARMUP_TURNS + TURNS; t++) {
    await phone.speak(audio[t % audio.length]!);
    const stoppedAt = performance.now();
    const first = await phone.next((m) => m.event === 'media' && m.at > stoppedAt, 10_000);
    if (t >= WARMUP_TURNS) throughRelay.push(first.at - stoppedAt);
    await sleep(50);
    await idle();
    await sleep(300);
  }
  phone.close();
  await phone.closed;

  // Baseline: the same chain through the adapters alone, from the same end of speech.
  for (let t = 0; t < WARMUP_TURNS + TURNS; t++) {
    const phrase = audio[t % audio.length]!;
    let stoppedAt = 0;
    let resolveFinal: (text: string) => void = () => undefined;
    const final = new Promise<string>((r) => (resolveFinal = r));
    const s = await providers.stt.open({ keyterms: PHRASES, onEvent: (e) => { if (e.type === 'final' && e.endOfTurn && e.text && stoppedAt > 0) resolveFinal(e.text); } });
    // Real-time pace, then silence until the recogniser calls the turn.
    let pos = 0;
    let done = false;
    const silence = new Uint8Array(FRAME).fill(0xff);
    const ticker = setInterval(() => {
      if (pos < phrase.length) {
        const frame = new Uint8Array(FRAME).fill(0xff);
        frame.set(phrase.subarray(pos, pos + FRAME));
        s.sendAudio(frame);
        pos += FRAME;
        if (pos >= phrase.length) stoppedAt = performance.now();
      } else if (!done) s.sendAudio(silence);
    }, 20);
    const text = await final;
    const ac = new AbortController();
    const chunker = new SentenceChunker({ minLength: 8 });
    let sentence: string | null = null;
    for await (const ev of providers.llm.stream({ messages: [{ role: 'system', content: 'You are Alex. Scenario: a friendly chat.' }, { role: 'user', content: text }], signal: ac.signal })) {
      if (ev.type === 'text') sentence = chunker.push(ev.delta)[0] ?? null;
      if (sentence) break;
    }
    sentence ??= chunker.flush()[0] ?? 'Okay.';
    for await (const ev of providers.tts.synthesize(sentence, { voiceId: 'IKne3meq5aSn9XLyUdCD', signal: ac.signal })) if (ev.type === 'audio') break;
    if (t >= WARMUP_TURNS) baseline.push(performance.now() - stoppedAt);
    ac.abort();
    done = true;
    clearInterval(ticker);
    await s.close();
  }

  const r = summary(throughRelay);
  const b = summary(baseline);
  console.log(`bench relay-voice-to-voice (${r.n} turns; stand-ins: STT final ${LATENCY.sttFinalMs} ms after ${ENDPOINTING_MS} ms endpointing, LLM first token ${LATENCY.llmFirstTokenMs} ms, TTS first byte ${LATENCY.ttsFirstByteMs} ms)`);
  console.log(`  caller stops speaking -> first persona audio at the phone`);
  console.log(`  baseline: STT -> LLM first sentence -> TTS first byte, adapters alone   p50 ${b.p50.toFixed(1)} ms   p95 ${b.p95.toFixed(1)} ms`);
  console.log(`  through the relay                                                     p50 ${r.p50.toFixed(1)} ms   p95 ${r.p95.toFixed(1)} ms   ${(r.p50 / b.p50).toFixed(2)}x baseline   (+${(r.p50 - b.p50).toFixed(1)} ms)`);
  console.log(`  target p50 <= ${TARGET_P50_MS} ms: ${r.p50 <= TARGET_P50_MS ? 'ok' : 'OVER'}`);
} finally {
  await relay.close();
  await Promise.all([stt.close(), llm.close(), tts.close()]);
}
