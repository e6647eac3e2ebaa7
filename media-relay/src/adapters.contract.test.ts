// Contract suite: each production adapter against the devstack stand-in that speaks its vendor's protocol.
// Event order, prompt cancellation (barge-in depends on it) and usage reporting.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLlmStandIn } from '../../devstack/src/vendors/llm/server.ts';
import { synthesizeMulaw } from '../../devstack/src/vendors/speech/espeak.ts';
import { startSttStandIn } from '../../devstack/src/vendors/stt/server.ts';
import { startTtsStandIn, type StandIn as TtsStandIn } from '../../devstack/src/vendors/tts/server.ts';
import { createDeepgramStt } from './deepgram_stt.ts';
import { createElevenLabsTts } from './elevenlabs_tts.ts';
import { createOpenAiCompatibleLlm } from './openai_chat_llm.ts';
import { ProviderError, type LlmEvent, type SttEvent, type TtsEvent } from './provider_contracts.ts';

type StandIn = { url: string; close: () => Promise<void> };
const ABORT_BUDGET_MS = 50;
// One of ElevenLabs' premade voices: the stand-in, like ElevenLabs, refuses a voice id outside the account.
const PREMADE_VOICE = '21m00Tcm4TlvDq8ikWAM';

describe('OpenAI-compatible LLM adapter', () => {
  let llm: StandIn;
  beforeAll(async () => { llm = await startLlmStandIn({ apiKey: 'llm-key', latencyMs: 20, tokenDelayMs: 15 }); });
  afterAll(() => llm.close());
  const adapter = (key = 'llm-key') => createOpenAiCompatibleLlm({ provider: 'cerebras', baseUrl: `${llm.url}/v1`, apiKey: key, model: 'gpt-oss-120b', maxCompletionTokens: 512, reasoningEffort: 'low' });
  const messages = [{ role: 'system' as const, content: 'You are Sarah. Scenario: a pep talk.' }, { role: 'user' as const, content: 'how are you' }];

  it('streams text deltas, then usage, and the text is the whole answer', async () => {
    const events: LlmEvent[] = [];
    for await (const e of adapter().stream({ messages, signal: new AbortController().signal })) events.push(e);
    const kinds = events.map((e) => e.type);
    expect(kinds.at(-1)).toBe('usage');
    expect(kinds.slice(0, -1).every((k) => k === 'text')).toBe(true);
    const text = events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
    expect(text).toBe('I am doing great, thanks for asking. You have prepared for this.');
    const usage = events.at(-1) as Extract<LlmEvent, { type: 'usage' }>;
    expect(usage.completionTokens).toBe(events.length - 1);
    expect(usage.promptTokens).toBeGreaterThan(0);
  });

  it('stops within 50 ms of an abort', async () => {
    const ac = new AbortController();
    let abortedAt = 0;
    let after = 0;
    for await (const e of adapter().stream({ messages, signal: ac.signal })) {
      if (abortedAt) after++;
      if (e.type === 'text' && !abortedAt) {
        abortedAt = performance.now();
        ac.abort();
      }
    }
    expect(performance.now() - abortedAt).toBeLessThan(ABORT_BUDGET_MS);
    expect(after).toBe(0);
  });

  it('reports a bad key as a non-retryable provider error', async () => {
    const it = adapter('wrong').stream({ messages, signal: new AbortController().signal })[Symbol.asyncIterator]();
    const err = await it.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ status: 401, retryable: false, service: 'cerebras' });
  });
});

describe('ElevenLabs TTS adapter', () => {
  let tts: TtsStandIn;
  beforeAll(async () => { tts = await startTtsStandIn({ apiKey: 'xi-key', latencyMs: 10, chunkBytes: 400 }); });
  afterAll(() => tts.close());
  const adapter = (key = 'xi-key') => createElevenLabsTts({ provider: 'elevenlabs', baseUrl: tts.url, apiKey: key, modelId: 'eleven_flash_v2_5', defaultVoiceId: 'voice1' });
  const text = 'Hello there, this is a test of the speech stream.';

  it('streams μ-law audio, then the characters billed', async () => {
    const events: TtsEvent[] = [];
    for await (const e of adapter().synthesize(text, { voiceId: PREMADE_VOICE, signal: new AbortController().signal })) events.push(e);
    expect(events.at(-1)).toEqual({ type: 'usage', characters: text.length });
    const audio = events.flatMap((e) => (e.type === 'audio' ? [...e.mulaw] : []));
    expect(events.filter((e) => e.type === 'audio').length).toBeGreaterThan(1);
    // Raw μ-law at 8 kHz: a sentence is seconds of audio (8,000 bytes a second) with no container header.
    expect(audio.length).toBeGreaterThan(16_000);
    expect(Buffer.from(audio.slice(0, 4)).toString('latin1')).not.toBe('RIFF');
  });

  it('stops within 50 ms of an abort', async () => {
    const ac = new AbortController();
    let abortedAt = 0;
    let after = 0;
    for await (const e of adapter().synthesize(text, { voiceId: PREMADE_VOICE, signal: ac.signal })) {
      if (abortedAt) after++;
      if (e.type === 'audio' && !abortedAt) {
        abortedAt = performance.now();
        ac.abort();
      }
    }
    expect(performance.now() - abortedAt).toBeLessThan(ABORT_BUDGET_MS);
    expect(after).toBe(0);
  });

  it('never yields an error body as audio', async () => {
    const got: TtsEvent[] = [];
    const err = await (async () => {
      for await (const e of adapter('wrong').synthesize(text, { voiceId: PREMADE_VOICE, signal: new AbortController().signal })) got.push(e);
    })().catch((e: unknown) => e);
    expect(got).toEqual([]);
    expect(err).toMatchObject({ status: 401, retryable: false, service: 'elevenlabs' });
  });
  it('keeps warm sockets for a voice in use, replaces each one a sentence takes, and closes them on release', async () => {
    const tts2 = adapter();
    const release = tts2.warm!({ voiceId: PREMADE_VOICE });
    await vi.waitFor(() => expect(tts.openStreamInputs()).toBe(2));
    const events: TtsEvent[] = [];
    for await (const e of tts2.synthesize('Warm already.', { voiceId: PREMADE_VOICE, signal: new AbortController().signal })) events.push(e);
    expect(events.at(-1)).toEqual({ type: 'usage', characters: 13 });
    // The sentence's socket closed after isFinal; a replacement keeps two ready.
    await vi.waitFor(() => expect(tts.openStreamInputs()).toBe(2));
    release();
    await vi.waitFor(() => expect(tts.openStreamInputs()).toBe(0));
  });
});

describe('Deepgram STT adapter', () => {
  let stt: StandIn;
  beforeAll(async () => { stt = await startSttStandIn({ apiKey: 'dg-key' }); });
  afterAll(() => stt.close());
  const adapter = (key = 'dg-key') => createDeepgramStt({ provider: 'deepgram', baseUrl: stt.url, apiKey: key, model: 'nova-3', endpointingMs: 500, utteranceEndMs: 1000, keyterms: [] });

  it('gives interim words, then one end-of-turn final, and bills the audio streamed', async () => {
    const events: SttEvent[] = [];
    const phrase = 'That sounds good. Tell me more.';
    const session = await adapter().open({ onEvent: (e) => events.push(e), keyterms: [phrase] });
    const audio = Buffer.concat([Buffer.alloc(1600, 0xff), await synthesizeMulaw(phrase), Buffer.alloc(12_000, 0xff)]);
    for (let i = 0; i < audio.length; i += 160) {
      session.sendAudio(audio.subarray(i, i + 160));
      await new Promise((r) => setTimeout(r, 20));
    }
    const { audioSeconds } = await session.close();
    expect(audioSeconds).toBeCloseTo(audio.length / 8000, 3);
    const kinds = events.map((e) => (e.type === 'final' ? `final:${e.endOfTurn}` : e.type));
    expect(kinds).toContain('interim');
    expect(kinds.indexOf('interim')).toBeLessThan(kinds.indexOf('final:true'));
    expect(kinds.filter((k) => k === 'final:true')).toHaveLength(1);
    expect(events.find((e) => e.type === 'final' && e.endOfTurn)).toEqual({ type: 'final', text: 'that sounds good tell me more', endOfTurn: true });
  }, 20_000);

  it('asks for no compression of its audio frames', async () => {
    // A server that notes the upgrade's extensions and refuses it: the adapter's request is all this needs.
    let extensions: string | undefined = 'not seen';
    const server = createServer();
    server.on('upgrade', (req, socket) => {
      extensions = req.headers['sec-websocket-extensions'];
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    try {
      const s = createDeepgramStt({ provider: 'deepgram', baseUrl: `ws://127.0.0.1:${port}`, apiKey: 'k', model: 'nova-3', endpointingMs: 500, utteranceEndMs: 1000, keyterms: [] });
      await expect(s.open({ onEvent: () => undefined })).rejects.toBeInstanceOf(ProviderError);
      expect(extensions).toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('emits nothing after close', async () => {
    const events: SttEvent[] = [];
    const session = await adapter().open({ onEvent: (e) => events.push(e) });
    session.sendAudio(await synthesizeMulaw('Hello?'));
    const t0 = performance.now();
    await session.close();
    expect(performance.now() - t0).toBeLessThan(3000);
    const n = events.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(events.length).toBe(n);
    expect(events.some((e) => e.type === 'closed')).toBe(false);
  });

  it('refuses a bad key as a non-retryable provider error', async () => {
    const err = await adapter('wrong').open({ onEvent: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ status: 401, retryable: false });
  });
});
