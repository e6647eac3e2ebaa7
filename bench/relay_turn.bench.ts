// Relay overhead per turn: end of the caller's turn (the recogniser's end-of-turn reaching the relay) -> first
// outbound media frame, p50/p99, with zero-latency stand-ins. Baseline in the same run: the same LLM requests sent
// straight to the stand-ins through the same adapters, first sentence -> first TTS audio byte, i.e. the floor the
// relay cannot go below. The difference is what the relay itself adds (session, policy, chunking, framing).
import { SentenceChunker } from '../core/src/sentence_chunker.ts';
import { startLlmStandIn } from '../devstack/src/vendors/llm/server.ts';
import { synthesizeMulaw } from '../devstack/src/vendors/speech/espeak.ts';
import { startSttStandIn } from '../devstack/src/vendors/stt/server.ts';
import { startTtsStandIn } from '../devstack/src/vendors/tts/server.ts';
import { InMemoryCallStore } from '../media-relay/src/call_store.ts';
import { loadConfig } from '../media-relay/src/config.ts';
import { createProviders, type ChatMessage, type Providers } from '../media-relay/src/providers.ts';
import { startRelayServer } from '../media-relay/src/server.ts';
import { HmacStreamTokenVerifier, mintStreamToken } from '../media-relay/src/stream_token.ts';
import { MediaStreamsTestClient } from '../media-relay/src/testing/media_streams_client.ts';

const TURNS = 12;
const CALLS = 2; // the first warms caches (espeak renders, sockets); the last is measured
const TARGET_OVERHEAD_P50_MS = 20;
const SECRET = 'bench-secret-of-at-least-32-characters!';
const PHRASES = ['Who is this?', 'That sounds good. Tell me more.', 'What time is it?', 'Tell me a joke.', 'How are you?'];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

const stt = await startSttStandIn({ apiKey: 'dg' });
const llm = await startLlmStandIn({ apiKey: 'llm' });
const tts = await startTtsStandIn({ apiKey: 'xi' });
const config = loadConfig({
  RELAY_PORT: '0', RELAY_STREAM_TOKEN_SECRET: SECRET,
  RELAY_CALL_STORE: 'memory', RELAY_TWILIO_SIGNATURE: 'off', LLM_FALLBACK_PROVIDER: 'none',
  DEEPGRAM_BASE_URL: stt.url, DEEPGRAM_API_KEY: 'dg',
  LLM_BASE_URL: `${llm.url}/v1`, LLM_API_KEY: 'llm', ELEVENLABS_BASE_URL: tts.url, ELEVENLABS_API_KEY: 'xi',
  RELAY_SILENCE_MS: '60000'
});
const real = createProviders(config);
let requests: ChatMessage[][] = [];
const providers: Providers = { ...real, llm: { info: real.llm.info, stream: (req) => { requests.push([...req.messages]); return real.llm.stream(req); } } };
const store = new InMemoryCallStore();
const relay = await startRelayServer({ config, verifier: new HmacStreamTokenVerifier({ secret: SECRET }), store, providers: () => providers, log: () => undefined });
const audio = await Promise.all(PHRASES.map((p) => synthesizeMulaw(p)));
const silence = new Uint8Array(4000).fill(0xff);

let relayLatencies: number[] = [];
try {
  for (let call = 0; call < CALLS; call++) {
    const callId = `bench-call-${call}`;
    const callSid = `CA${String(call).padStart(32, '0')}`;
    store.calls.set(callId, { callId, personaName: 'Alex', systemPrompt: 'You are Alex. Scenario: a friendly chat.', voiceId: 'IKne3meq5aSn9XLyUdCD', maxDurationSeconds: 600, cutoffCents: null, warnCents: null, keyterms: PHRASES });
    requests = [];
    const before = relay.metrics.turnLatencies().length;
    const phone = await MediaStreamsTestClient.connect(`ws://127.0.0.1:${relay.port}/twilio/stream`);
    phone.instantPlayback = true;
    phone.start(callSid, { stream_token: mintStreamToken({ callId, callSid, exp: Math.floor(Date.now() / 1000) + 300 }, SECRET) });
    // The line runs 4x faster than real time: the stand-in recogniser keeps an audio clock, so only wall time shrinks.
    phone.startLine(5);
    const session = () => relay.sessions.get(callId);
    const idle = async () => { while (session()?.phase !== 'listening') await new Promise((r) => setTimeout(r, 5)); };
    await idle();
    for (let t = 0; t < TURNS; t++) {
      await phone.speak(audio[t % audio.length]!);
      await phone.speak(silence);
      const want = before + t + 1;
      while (relay.metrics.turnLatencies().length < want) await new Promise((r) => setTimeout(r, 5));
      await idle();
    }
    phone.close();
    await phone.closed;
    if (call === CALLS - 1) relayLatencies = relay.metrics.turnLatencies().slice(before);
  }

  // Baseline: the measured call's answer requests, straight through the adapters.
  const baseline: number[] = [];
  for (const messages of requests.slice(1)) {
    const ac = new AbortController();
    const t0 = performance.now();
    const chunker = new SentenceChunker({ minLength: 8 });
    let first: string | null = null;
    for await (const ev of real.llm.stream({ messages, signal: ac.signal })) {
      if (ev.type === 'text') first = chunker.push(ev.delta)[0] ?? null;
      if (first) break;
    }
    first ??= chunker.flush()[0] ?? '';
    for await (const ev of real.tts.synthesize(first, { voiceId: 'IKne3meq5aSn9XLyUdCD', signal: ac.signal })) if (ev.type === 'audio') break;
    baseline.push(performance.now() - t0);
    ac.abort();
  }

  const r50 = pct(relayLatencies, 50);
  const r99 = pct(relayLatencies, 99);
  const b50 = pct(baseline, 50);
  const b99 = pct(baseline, 99);
  console.log(`bench relay-turn (${relayLatencies.length} turns; zero-latency stand-ins; end of caller turn -> first media frame)`);
  console.log(`  baseline: adapters alone, LLM -> first sentence -> first TTS byte   p50 ${b50.toFixed(1)} ms   p99 ${b99.toFixed(1)} ms`);
  console.log(`  through the relay                                                  p50 ${r50.toFixed(1)} ms   p99 ${r99.toFixed(1)} ms   ${(r50 / b50).toFixed(2)}x baseline`);
  const overhead = r50 - b50;
  console.log(`  relay overhead                                                     p50 ${overhead.toFixed(1)} ms   target <= ${TARGET_OVERHEAD_P50_MS} ms   ${overhead <= TARGET_OVERHEAD_P50_MS ? 'ok' : 'OVER'}`);
} finally {
  await relay.close();
  await Promise.all([stt.close(), llm.close(), tts.close()]);
}
