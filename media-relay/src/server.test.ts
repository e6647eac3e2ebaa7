// Admission before spending (reliability catalogue MS-01..MS-07): every refused socket is closed with the right
// code, counted in /metrics, and never reaches a provider (the provider factory and every provider are spies).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryCallStore, type CallContext } from './call_store.ts';
import type { Providers } from './providers.ts';
import { startRelayServer, type RelayServer } from './server.ts';
import { HmacStreamTokenVerifier, mintStreamToken } from './stream_token.ts';
import { MediaStreamsTestClient } from './testing/media_streams_client.ts';

const SECRET = 'relay-test-secret-of-at-least-32-chars';
const SID_A = `CA${'a'.repeat(32)}`;
const SID_B = `CA${'b'.repeat(32)}`;
const exp = () => Math.floor(Date.now() / 1000) + 60;
const CALL: CallContext = { callId: 'call-a', personaName: 'Brad', systemPrompt: 'You are Brad.', voiceId: 'v1', maxDurationSeconds: 600, budgetCents: null, warnPercent: 80 };

function spyProviders() {
  const stt = { info: { service: 'deepgram' as const, model: 'm' }, open: vi.fn(async () => ({ sendAudio: vi.fn(), close: vi.fn(async () => ({ audioSeconds: 0 })) })) };
  const llm = { info: { service: 'cerebras' as const, model: 'm' }, stream: vi.fn(async function* () { yield { type: 'text' as const, delta: 'Hello there, this is Brad.' }; }) };
  const tts = { info: { service: 'elevenlabs' as const, model: 'm' }, synthesize: vi.fn(async function* () { yield { type: 'audio' as const, mulaw: new Uint8Array(800).fill(0x10) }; }) };
  const providers: Providers = { stt, llm, tts };
  return { providers, factory: vi.fn(() => providers), stt, llm, tts };
}

describe('relay admission', () => {
  let relay: RelayServer;
  let spies: ReturnType<typeof spyProviders>;
  const url = () => `ws://127.0.0.1:${relay.port}/twilio/stream`;

  beforeEach(async () => {
    spies = spyProviders();
    relay = await startRelayServer({
      config: {
        host: '127.0.0.1', port: 0, maxPayloadBytes: 64 * 1024, startTimeoutMs: 300,
        turns: { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 30_000, maxCallSeconds: 600 },
        llm: { provider: 'cerebras', baseUrl: 'http://x', apiKey: 'k', model: 'm', maxRetries: 0 }
      },
      verifier: new HmacStreamTokenVerifier({ secret: SECRET }),
      store: new InMemoryCallStore({ calls: [CALL] }),
      providers: spies.factory,
      log: () => undefined
    });
  });
  afterEach(() => relay.close());

  const expectNoProviderTouched = () => {
    expect(spies.factory).not.toHaveBeenCalled();
    expect(spies.stt.open).not.toHaveBeenCalled();
    expect(spies.llm.stream).not.toHaveBeenCalled();
    expect(spies.tts.synthesize).not.toHaveBeenCalled();
  };

  async function refused(setup: (c: MediaStreamsTestClient) => void): Promise<{ code: number; reason: string }> {
    const c = await MediaStreamsTestClient.connect(url());
    setup(c);
    return c.closed;
  }

  it('admits a valid token and only then opens the providers', async () => {
    const c = await MediaStreamsTestClient.connect(url());
    c.start(SID_A, { stream_token: mintStreamToken({ callId: 'call-a', callSid: SID_A, exp: exp() }, SECRET), call_id: 'call-a' });
    await c.next((m) => m.event === 'media');
    expect(spies.stt.open).toHaveBeenCalledTimes(1);
    expect(relay.metrics.activeCalls).toBe(1);
    c.close();
  });

  it.each([
    ['no token (MS-03)', () => ({}), 'token_missing'],
    ['a forged token (MS-03)', () => ({ stream_token: mintStreamToken({ callId: 'call-a', exp: exp() }, 'some-other-secret-of-32-characters!!') }), 'token_bad_signature'],
    ['an expired token (MS-03)', () => ({ stream_token: mintStreamToken({ callId: 'call-a', exp: exp() - 120 }, SECRET) }), 'token_expired'],
    ['a token for another CallSid (MS-05)', () => ({ stream_token: mintStreamToken({ callId: 'call-a', callSid: SID_B, exp: exp() }, SECRET) }), 'call_sid_mismatch'],
    ['a call the store does not know', () => ({ stream_token: mintStreamToken({ callId: 'call-zzz', exp: exp() }, SECRET) }), 'call_not_found']
  ])('refuses %s with 1008 and touches no provider', async (_name, params, reason) => {
    const closed = await refused((c) => c.start(SID_A, params()));
    expect(closed).toEqual({ code: 1008, reason });
    expect(relay.metrics.snapshot().rejected).toEqual({ [reason]: 1 });
    expectNoProviderTouched();
  });

  it('refuses a reused token (MS-03)', async () => {
    const token = mintStreamToken({ callId: 'call-a', callSid: SID_A, exp: exp() }, SECRET);
    const first = await MediaStreamsTestClient.connect(url());
    first.start(SID_A, { stream_token: token });
    await first.next((m) => m.event === 'media');
    first.close();
    await first.closed;
    await vi.waitUntil(() => relay.metrics.activeCalls === 0);
    const opened = spies.factory.mock.calls.length;
    const closed = await refused((c) => c.start(SID_A, { stream_token: token }));
    expect(closed).toEqual({ code: 1008, reason: 'token_reused' });
    expect(spies.factory.mock.calls.length).toBe(opened);
  });

  it('refuses a second socket for a live call and keeps the first (MS-04)', async () => {
    const first = await MediaStreamsTestClient.connect(url());
    first.start(SID_A, { stream_token: mintStreamToken({ callId: 'call-a', callSid: SID_A, exp: exp() }, SECRET) });
    await first.next((m) => m.event === 'media');
    const closed = await refused((c) => c.start(SID_A, { stream_token: mintStreamToken({ callId: 'call-a', callSid: SID_A, exp: exp() }, SECRET) }));
    expect(closed).toEqual({ code: 1008, reason: 'call_already_connected' });
    expect(spies.factory).toHaveBeenCalledTimes(1);
    expect(relay.sessions.get('call-a')?.isEnded).toBe(false);
    first.close();
  });

  it('closes a socket that sends no start within the timeout (MS-03)', async () => {
    const closed = await refused(() => undefined);
    expect(closed).toEqual({ code: 1008, reason: 'start_timeout' });
    expectNoProviderTouched();
  });

  it('closes on media before start', async () => {
    const closed = await refused((c) => c.sendMediaFrame(new Uint8Array(160)));
    expect(closed).toEqual({ code: 1008, reason: 'start_required' });
    expectNoProviderTouched();
  });

  it('closes an oversized frame with 1009 and stays healthy (MS-06)', async () => {
    const closed = await refused((c) => c.sendRaw('x'.repeat(70 * 1024)));
    expect(closed.code).toBe(1009);
    expect(relay.metrics.snapshot().rejected).toEqual({ frame_too_large: 1 });
    expectNoProviderTouched();
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
  });

  it('closes on malformed JSON or binary before start (MS-07)', async () => {
    expect(await refused((c) => c.sendRaw('{not json'))).toEqual({ code: 1007, reason: 'malformed_frame' });
    expect(await refused((c) => c.sendRaw(Buffer.from([1, 2, 3])))).toEqual({ code: 1003, reason: 'binary_frame' });
    expect(relay.metrics.malformedFrames).toBe(2);
    expectNoProviderTouched();
  });

  it('drops and counts a malformed frame during a call without ending it (MS-07)', async () => {
    const c = await MediaStreamsTestClient.connect(url());
    c.start(SID_A, { stream_token: mintStreamToken({ callId: 'call-a', callSid: SID_A, exp: exp() }, SECRET) });
    await c.next((m) => m.event === 'media');
    c.sendRaw('{not json');
    c.sendRaw(JSON.stringify({ event: 'media', streamSid: c.streamSid }));
    await vi.waitUntil(() => relay.metrics.malformedFrames === 2);
    expect(relay.sessions.get('call-a')?.isEnded).toBe(false);
    c.close();
  });

  it('serves /healthz and /metrics as JSON', async () => {
    expect(await (await fetch(`${relay.url}/healthz`)).json()).toEqual({ ok: true, active_calls: 0 });
    const m = (await (await fetch(`${relay.url}/metrics`)).json()) as Record<string, unknown>;
    expect(m).toMatchObject({ active_calls: 0, turn_latency_ms: { count: 0 } });
  });
});
