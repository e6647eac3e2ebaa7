// Voice to voice: the caller stops speaking -> the first frame of the persona's answer reaches the phone, p50/p95,
// with private stand-ins slowed to published vendor figures: speech-to-text final 300 ms after the end of speech
// (Deepgram's default endpointing of 10 ms, then 300 ms), LLM first token 250 ms, TTS first byte 100 ms. Interim
// transcripts come as the stand-in streams them (devstack/src/vendors/stt/server.ts, after Deepgram's live
// streaming): a look at every 250 ms of audio, each sent 100 ms after the audio it covers.
// Baselines in the same run: the serial sum of the three figures; the relay with preemptive generation off (it waits
// for each vendor in turn, as it used to); and the same chain without the relay (STT adapter -> LLM adapter to the
// first sentence -> TTS adapter to the first byte), timed from the same end of speech. Printed beside the relay's
// figures: the LLM tokens spent on preemptive replies it discarded.
// Run: node bench/relay_voice_to_voice.bench.ts
import { cpus, loadavg } from 'node:os';
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
const ROUNDS = 2;
const TARGET_P50_MS = 550;
const TARGET_P95_MS = 900;
const SECRET = 'bench-secret-of-at-least-32-characters!';
// One sentence each, with no quiet 20 ms frame inside (as the stand-in's espeak renders them): with endpointing
// this short a single quiet frame ends the utterance, and the turn would end on a fragment ("who is this" does).
const PHRASES = ['Tell me a joke.', 'How are you doing?', 'Where are you now?', 'Tell me more.', 'How old are you?'];
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
const configFor = (preemptive: boolean) => loadConfig({
  RELAY_PORT: '0', RELAY_STREAM_TOKEN_SECRET: SECRET,
  RELAY_CALL_STORE: 'memory', RELAY_TWILIO_SIGNATURE: 'off', LLM_FALLBACK_PROVIDER: 'none',
  DEEPGRAM_BASE_URL: stt.url, DEEPGRAM_API_KEY: 'dg', STT_ENDPOINTING_MS: String(ENDPOINTING_MS),
  LLM_BASE_URL: `${llm.url}/v1`, LLM_API_KEY: 'llm', ELEVENLABS_BASE_URL: tts.url, ELEVENLABS_API_KEY: 'xi',
  RELAY_SILENCE_MS: '60000', RELAY_PREEMPTIVE: preemptive ? 'on' : 'off', RELAY_ACK_AFTER_MS: preemptive ? '600' : '0'
});
const config = configFor(true);
const providers = createProviders(config);
const audio = (await Promise.all(PHRASES.map((p) => synthesizeMulaw(p)))).map(trimTrailingSilence);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One call through a relay: the phone speaks at real-time pace and "plays" our audio at once. */
async function throughRelay(preemptive: boolean, label: string, round: number) {
  const store = new InMemoryCallStore();
  const cfg = configFor(preemptive);
  const relayProviders = createProviders(cfg);
  const relay = await startRelayServer({ config: cfg, verifier: new HmacStreamTokenVerifier({ secret: SECRET }), store, providers: () => relayProviders, log: () => undefined });
  const samples: number[] = [];
  try {
    const callId = `v2v-${label}`;
    const callSid = `CA${(preemptive ? '7' : '8').repeat(31)}${round}`;
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
      if (t >= WARMUP_TURNS) samples.push(first.at - stoppedAt);
      await sleep(50);
      await idle();
      await sleep(300);
    }
    phone.close();
    await phone.closed;
    await new Promise<void>((r) => { const wait = () => (store.finished.has(callId) ? r() : setTimeout(wait, 10)); wait(); });
    const rows = store.turnLatencies.filter((r) => r.turn > WARMUP_TURNS + 1);
    return { samples, metrics: relay.metrics, rows };
  } finally {
    await relay.close();
  }
}

const baseline: number[] = [];
try {
  // Alternated, so neither path gets the quieter or the warmer half of the run on a shared machine.
  const runs: ({ preemptive: boolean } & Awaited<ReturnType<typeof throughRelay>>)[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    runs.push({ preemptive: false, ...(await throughRelay(false, `serial-${round}`, round)) });
    runs.push({ preemptive: true, ...(await throughRelay(true, `preemptive-${round}`, round)) });
  }
  const pool = (preemptive: boolean) => {
    const mine = runs.filter((r) => r.preemptive === preemptive);
    const p = mine.map((r) => r.metrics.preemptiveReplies);
    return {
      samples: mine.flatMap((r) => r.samples), rows: mine.flatMap((r) => r.rows),
      preemptive: { adopted: p.reduce((n, x) => n + x.adopted, 0), discarded: p.reduce((n, x) => n + x.discarded, 0), wastedTokens: p.reduce((n, x) => n + x.wastedTokens, 0) },
      acks: mine.reduce((n, r) => n + r.metrics.acknowledgements, 0)
    };
  };
  const serial = pool(false);
  const fast = pool(true);

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

  const r = summary(fast.samples);
  const o = summary(serial.samples);
  const b = summary(baseline);
  const serialSum = LATENCY.sttFinalMs + LATENCY.llmFirstTokenMs + LATENCY.ttsFirstByteMs;
  const p = fast.preemptive;
  const stage = (rows: typeof fast.rows, pick: (r: (typeof fast.rows)[number]) => number | null) => summary(rows.map(pick).filter((x): x is number => x !== null)).p50.toFixed(0);
  console.log(`bench relay-voice-to-voice (${r.n} turns each path, ${ROUNDS} alternating rounds; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores; stand-ins: STT final ${LATENCY.sttFinalMs} ms after ${ENDPOINTING_MS} ms endpointing, interims every 250 ms of audio + 100 ms, LLM first token ${LATENCY.llmFirstTokenMs} ms, TTS first byte ${LATENCY.ttsFirstByteMs} ms)`);
  console.log(`  caller stops speaking -> first persona audio at the phone`);
  console.log(`  serial sum of the three vendors                                        ${serialSum} ms`);
  console.log(`  baseline: STT -> LLM first sentence -> TTS first byte, adapters alone   p50 ${b.p50.toFixed(1)} ms   p95 ${b.p95.toFixed(1)} ms`);
  console.log(`  relay, serial path (RELAY_PREEMPTIVE=off)                              p50 ${o.p50.toFixed(1)} ms   p95 ${o.p95.toFixed(1)} ms`);
  console.log(`  relay, preemptive generation + warm vendors                            p50 ${r.p50.toFixed(1)} ms   p95 ${r.p95.toFixed(1)} ms   ${(r.p50 / o.p50).toFixed(2)}x serial path (${(r.p50 - o.p50).toFixed(1)} ms)`);
  console.log(`    preemptive replies: ${p.adopted} adopted, ${p.discarded} discarded; LLM tokens wasted on discarded ones: ${p.wastedTokens} (${(p.wastedTokens / Math.max(1, fast.samples.length + ROUNDS * WARMUP_TURNS)).toFixed(0)} a turn); acknowledgements: ${fast.acks}`);
  console.log(`    per-turn p50 as the relay records it: STT final ${stage(fast.rows, (x) => x.sttFinalMs)} ms, LLM first token after turn end ${stage(fast.rows, (x) => x.llmFirstTokenMs)} ms, TTS first byte ${stage(fast.rows, (x) => x.ttsFirstByteMs)} ms, voice-to-voice ${stage(fast.rows, (x) => x.voiceToVoiceMs)} ms (serial path: ${stage(serial.rows, (x) => x.voiceToVoiceMs)} ms)`);
  console.log(`  target p50 <= ${TARGET_P50_MS} ms: ${r.p50 <= TARGET_P50_MS ? 'ok' : 'OVER'};  p95 <= ${TARGET_P95_MS} ms: ${r.p95 <= TARGET_P95_MS ? 'ok' : 'OVER'}`);
} finally {
  await Promise.all([stt.close(), llm.close(), tts.close()]);
}
