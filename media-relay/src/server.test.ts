// Admission before spending (reliability catalogue MS-01..MS-07): every refused socket is closed with the right
// code (or its upgrade refused), counted in /metrics, and never reaches a provider (the provider factory and every
// provider are spies). Covers Twilio streams (signature, stream token) and browser softphone streams (Auth, owner).
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrowserAuthVerdict, BrowserAuthVerifier } from './browser_stream.ts';
import { InMemoryCallStore, type CallContext } from './call_store.ts';
import { FIXED_LINES } from './fixed_lines.ts';
import type { Providers } from './provider_contracts.ts';
import type { ReadinessReport } from './readiness.ts';
import { startRelayServer, type RelayServer } from './server.ts';
import { HmacStreamTokenVerifier, mintStreamToken } from './stream_token.ts';
import { MediaStreamsTestClient } from './testing/media_streams_client.ts';

const SECRET = 'relay-test-secret-of-at-least-32-chars';
const SID_A = `CA${'a'.repeat(32)}`;
const SID_B = `CA${'b'.repeat(32)}`;
const exp = () => Math.floor(Date.now() / 1000) + 60;
const CALL: CallContext = { callId: 'call-a', personaName: 'Brad', systemPrompt: 'You are Brad.', voiceId: 'v1', maxDurationSeconds: 600, cutoffCents: null, warnCents: null };

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
        llm: { maxRetries: 0 }
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

  it('says goodbye and hangs up before the call\'s own time limit', async () => {
    // A call with a 2 s limit: the goodbye starts at 1.5 s and the socket closes once it has played.
    const store = new InMemoryCallStore({ calls: [{ ...CALL, callId: 'call-short', maxDurationSeconds: 2 }] });
    const short = await startRelayServer({
      config: { host: '127.0.0.1', port: 0, maxPayloadBytes: 64 * 1024, startTimeoutMs: 300, turns: { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 30_000, maxCallSeconds: 600 }, llm: { maxRetries: 0 } },
      verifier: new HmacStreamTokenVerifier({ secret: SECRET }), store, providers: spies.factory, log: () => undefined
    });
    const c = await MediaStreamsTestClient.connect(`ws://127.0.0.1:${short.port}/twilio/stream`);
    const t0 = performance.now();
    c.start(SID_A, { stream_token: mintStreamToken({ callId: 'call-short', callSid: SID_A, exp: exp() }, SECRET) });
    c.startLine();
    const closed = await c.closed;
    expect(closed).toEqual({ code: 1000, reason: 'time_limit' });
    expect(performance.now() - t0).toBeGreaterThan(1400);
    expect(store.finished.get('call-short')).toBe('time_limit');
    expect((spies.tts.synthesize.mock.calls as unknown as [string][]).map((a) => a[0])).toContain(FIXED_LINES.goodbye_time);
    await short.close();
  });

  it('counts Twilio\'s line on a browser call that Twilio carries (Voice SDK), as on a phone call', async () => {
    const store = new InMemoryCallStore({ calls: [{ ...CALL, callId: 'call-sdk', mode: 'browser' }] });
    const sdk = await startRelayServer({
      config: { host: '127.0.0.1', port: 0, maxPayloadBytes: 64 * 1024, startTimeoutMs: 300, turns: { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 30_000, maxCallSeconds: 600 }, llm: { maxRetries: 0 } },
      verifier: new HmacStreamTokenVerifier({ secret: SECRET }), store, providers: spies.factory, log: () => undefined
    });
    const c = await MediaStreamsTestClient.connect(`ws://127.0.0.1:${sdk.port}/twilio/stream`);
    c.start(SID_A, { stream_token: mintStreamToken({ callId: 'call-sdk', callSid: SID_A, exp: exp() }, SECRET) });
    await c.next((m) => m.event === 'media');
    c.close();
    await vi.waitUntil(() => store.finished.has('call-sdk'), { timeout: 5000 });
    // The running charge counts the line for as long as the stream ran (the store prices it).
    expect(store.lineSeconds.get('call-sdk')).toBeGreaterThan(0);
    await sdk.close();
  });

  it('serves /healthz, /metrics in Prometheus\' format and /metrics.json', async () => {
    expect(await (await fetch(`${relay.url}/healthz`)).json()).toEqual({ ok: true, draining: false, active_calls: 0 });
    const prom = await fetch(`${relay.url}/metrics`);
    expect(prom.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await prom.text()).toMatch(/^relay_active_calls 0$/m);
    const m = (await (await fetch(`${relay.url}/metrics.json`)).json()) as Record<string, unknown>;
    expect(m).toMatchObject({ active_calls: 0, turn_latency_ms: { count: 0 } });
  });

  it('counts a caller frame that arrives well behind its place in the stream as late', async () => {
    let clock = 1000;
    const timed = await startRelayServer({
      config: { host: '127.0.0.1', port: 0, maxPayloadBytes: 64 * 1024, startTimeoutMs: 300, turns: { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 30_000, maxCallSeconds: 600 }, llm: { maxRetries: 0 } },
      verifier: new HmacStreamTokenVerifier({ secret: SECRET }), store: new InMemoryCallStore({ calls: [CALL] }), providers: spies.factory, log: () => undefined, now: () => clock
    });
    const c = await MediaStreamsTestClient.connect(`ws://127.0.0.1:${timed.port}/twilio/stream`);
    c.start(SID_A, { stream_token: mintStreamToken({ callId: 'call-a', callSid: SID_A, exp: exp() }, SECRET) });
    await c.next((m) => m.event === 'media');
    const frame = new Uint8Array(160).fill(0xff);
    // Stream timestamps 20, 40, 60, 80 ms (the client numbers them). The first two arrive together (the second is
    // the most punctual), the next two after a 300 ms stall: 280 and 260 ms behind. A malformed frame after each
    // group shows when the relay has read it (frames are read in order), before the clock moves.
    c.sendMediaFrame(frame);
    c.sendMediaFrame(frame);
    c.sendRaw('{not json');
    await vi.waitUntil(() => timed.metrics.malformedFrames === 1);
    expect(timed.metrics.lateFrames).toBe(0);
    clock += 300;
    c.sendMediaFrame(frame);
    c.sendMediaFrame(frame);
    c.sendRaw('{not json');
    await vi.waitUntil(() => timed.metrics.malformedFrames === 2);
    expect(timed.metrics.lateFrames).toBe(2);
    expect(await (await fetch(`${timed.url}/metrics`)).text()).toMatch(/^relay_inbound_frames_late_total 2$/m);
    c.close();
    await timed.close();
  });
});

describe('relay readiness and draining', () => {
  let relay: RelayServer;
  let spies: ReturnType<typeof spyProviders>;
  let store: InMemoryCallStore;
  let report: ReadinessReport;
  const url = () => `ws://127.0.0.1:${relay.port}/twilio/stream`;
  const token = (callId: string, sid: string) => mintStreamToken({ callId, callSid: sid, exp: exp() }, SECRET);

  beforeEach(async () => {
    spies = spyProviders();
    store = new InMemoryCallStore({ calls: [CALL, { ...CALL, callId: 'call-b' }] });
    report = { ready: true, failing: [], checks: { database: { ok: true } } };
    relay = await startRelayServer({
      config: { host: '127.0.0.1', port: 0, maxPayloadBytes: 64 * 1024, startTimeoutMs: 5000, turns: { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 30_000, maxCallSeconds: 600 }, llm: { maxRetries: 0 } },
      verifier: new HmacStreamTokenVerifier({ secret: SECRET }), store, providers: spies.factory, log: () => undefined,
      readiness: { report: async () => report }
    });
  });
  afterEach(() => relay.close());

  it('answers /readyz 503 naming the dependency that fails, and 200 when all answer', async () => {
    expect((await fetch(`${relay.url}/readyz`)).status).toBe(200);
    report = { ready: false, failing: ['elevenlabs'], checks: { database: { ok: true }, elevenlabs: { ok: false, error: 'HTTP 503' } } };
    const res = await fetch(`${relay.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual(report);
  });

  it('draining refuses new streams and reports not ready, lets a live call finish, then resolves', async () => {
    const live = await MediaStreamsTestClient.connect(url());
    live.start(SID_A, { stream_token: token('call-a', SID_A) });
    await live.next((m) => m.event === 'media');
    // Connected before the drain, started after it: already routed here, so still admitted.
    const connecting = await MediaStreamsTestClient.connect(url(), `MZ${'0'.repeat(31)}2`);

    let drained = false;
    const drain = relay.drain().then(() => (drained = true));
    expect(relay.draining).toBe(true);
    const ready = await fetch(`${relay.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, draining: true, failing: ['draining'], active_calls: 1 });
    expect(await (await fetch(`${relay.url}/healthz`)).json()).toEqual({ ok: true, draining: true, active_calls: 1 });
    expect(await (await fetch(`${relay.url}/metrics`)).text()).toMatch(/^relay_draining 1$/m);
    await expect(MediaStreamsTestClient.connect(url(), `MZ${'0'.repeat(31)}3`)).rejects.toThrow('HTTP 503');
    expect(relay.metrics.snapshot().rejected).toEqual({ draining: 1 });

    connecting.start(SID_B, { stream_token: token('call-b', SID_B) });
    await connecting.next((m) => m.event === 'media');
    expect(relay.metrics.activeCalls).toBe(2);

    live.stop();
    await vi.waitUntil(() => store.finished.has('call-a'));
    expect(relay.sessions.get('call-b')?.isEnded).toBe(false);
    expect(drained).toBe(false);

    connecting.stop();
    await drain;
    // Resolved only once both calls were ended and written.
    expect([store.finished.get('call-a'), store.finished.get('call-b')]).toEqual(['user_hung_up', 'user_hung_up']);
    expect(relay.metrics.activeCalls).toBe(0);
  });

  it('a drain with no call in progress resolves at once', async () => {
    await relay.drain();
    expect(relay.metrics.activeCalls).toBe(0);
  });
});

describe('browser stream admission', () => {
  let relay: RelayServer;
  let spies: ReturnType<typeof spyProviders>;
  let store: InMemoryCallStore;
  const USER = 'user-1';
  const url = () => `ws://127.0.0.1:${relay.port}/browser/stream`;
  const auth: BrowserAuthVerifier = {
    verify: vi.fn(async (token: string | undefined): Promise<BrowserAuthVerdict> => {
      if (!token) return { ok: false, reason: 'token_missing' };
      if (token === 'auth-down') throw new Error('Auth answered HTTP 503');
      if (token === 'revoked') return { ok: false, reason: 'session_revoked' };
      if (token === 'good') return { ok: true, userId: USER, sessionId: 's1' };
      return { ok: false, reason: 'auth_invalid' };
    })
  };
  const browserCall = (callId: string): CallContext => ({ ...CALL, callId, mode: 'browser' });

  beforeEach(async () => {
    spies = spyProviders();
    store = new InMemoryCallStore({ calls: ['b-1', 'b-other', 'b-phone', 'b-done'].map(browserCall) });
    store.owners.set('b-1', { callId: 'b-1', userId: USER, mode: 'browser', finished: false });
    store.owners.set('b-other', { callId: 'b-other', userId: 'someone-else', mode: 'browser', finished: false });
    store.owners.set('b-phone', { callId: 'b-phone', userId: USER, mode: 'phone', finished: false });
    store.owners.set('b-done', { callId: 'b-done', userId: USER, mode: 'browser', finished: true });
    relay = await startRelayServer({
      config: {
        host: '127.0.0.1', port: 0, maxPayloadBytes: 64 * 1024, startTimeoutMs: 300,
        turns: { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 30_000, maxCallSeconds: 600 },
        llm: { maxRetries: 0 }
      },
      verifier: new HmacStreamTokenVerifier({ secret: SECRET }),
      browserAuth: auth,
      store,
      providers: spies.factory,
      log: () => undefined
    });
  });
  afterEach(() => relay.close());

  const browserStart = (c: MediaStreamsTestClient, params: Record<string, string>) => c.start('b-call', params);

  it('admits the user\'s own browser call, marks it in progress, and only then opens the providers', async () => {
    const c = await MediaStreamsTestClient.connect(url());
    browserStart(c, { access_token: 'good', call_id: 'b-1' });
    await c.next((m) => m.event === 'media');
    expect(store.browserStarted.has('b-1')).toBe(true);
    expect(spies.stt.open).toHaveBeenCalledTimes(1);
    c.close();
    await vi.waitUntil(() => store.finished.has('b-1'));
    expect(store.durations.get('b-1')).toBeGreaterThan(0);
  });

  it.each([
    ['no access token', { call_id: 'b-1' }, 1008, 'token_missing'],
    ['a token Auth does not accept', { access_token: 'forged', call_id: 'b-1' }, 1008, 'auth_invalid'],
    ['a signed-out session', { access_token: 'revoked', call_id: 'b-1' }, 1008, 'session_revoked'],
    ['Auth being unreachable', { access_token: 'auth-down', call_id: 'b-1' }, 1013, 'verifier_unavailable'],
    ['no call id', { access_token: 'good' }, 1008, 'call_id_missing'],
    ['an unknown call', { access_token: 'good', call_id: 'b-nope' }, 1008, 'call_not_found'],
    ['another user\'s call', { access_token: 'good', call_id: 'b-other' }, 1008, 'call_not_found'],
    ['a phone call', { access_token: 'good', call_id: 'b-phone' }, 1008, 'call_not_browser'],
    ['a finished call', { access_token: 'good', call_id: 'b-done' }, 1008, 'call_finished']
  ])('refuses %s before any provider is touched', async (_name, params, code, reason) => {
    const c = await MediaStreamsTestClient.connect(url());
    browserStart(c, params as Record<string, string>);
    expect(await c.closed).toEqual({ code, reason });
    expect(relay.metrics.snapshot().rejected).toEqual({ [reason]: 1 });
    expect(store.browserStarted.size).toBe(0);
    expect(spies.factory).not.toHaveBeenCalled();
    expect(spies.stt.open).not.toHaveBeenCalled();
    expect(spies.llm.stream).not.toHaveBeenCalled();
    expect(spies.tts.synthesize).not.toHaveBeenCalled();
  });

  it('refuses a second socket for the same browser call and keeps the first', async () => {
    const first = await MediaStreamsTestClient.connect(url());
    browserStart(first, { access_token: 'good', call_id: 'b-1' });
    await first.next((m) => m.event === 'media');
    const second = await MediaStreamsTestClient.connect(url());
    browserStart(second, { access_token: 'good', call_id: 'b-1' });
    expect(await second.closed).toEqual({ code: 1008, reason: 'call_already_connected' });
    expect(spies.factory).toHaveBeenCalledTimes(1);
    expect(relay.sessions.get('b-1')?.isEnded).toBe(false);
    first.close();
  });

  it('does not accept a Twilio stream token on the browser path', async () => {
    const c = await MediaStreamsTestClient.connect(url());
    browserStart(c, { stream_token: mintStreamToken({ callId: 'b-1', exp: exp() }, SECRET), call_id: 'b-1' });
    expect(await c.closed).toEqual({ code: 1008, reason: 'token_missing' });
    expect(spies.factory).not.toHaveBeenCalled();
  });

  it('is switched off without a browser verifier', async () => {
    const off = await startRelayServer({
      config: { host: '127.0.0.1', port: 0, maxPayloadBytes: 64 * 1024, startTimeoutMs: 300, turns: { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 30_000, maxCallSeconds: 600 }, llm: { maxRetries: 0 } },
      verifier: new HmacStreamTokenVerifier({ secret: SECRET }), store, providers: spies.factory, log: () => undefined
    });
    await expect(MediaStreamsTestClient.connect(`ws://127.0.0.1:${off.port}/browser/stream`)).rejects.toThrow('HTTP 404');
    await off.close();
  });
});

describe('Twilio-signed stream upgrade (MS-01, MS-02)', () => {
  const AUTH_TOKEN = 'twilio-auth-token-for-tests-000000';
  const STREAM_URL = 'wss://relay.example.com/twilio/stream';
  let relay: RelayServer;
  let spies: ReturnType<typeof spyProviders>;
  const local = () => `ws://127.0.0.1:${relay.port}/twilio/stream`;
  const signed = (url: string, token = AUTH_TOKEN) => ({ 'x-twilio-signature': getExpectedTwilioSignature(token, url, {}) });

  beforeEach(async () => {
    spies = spyProviders();
    relay = await startRelayServer({
      config: {
        host: '127.0.0.1', port: 0, maxPayloadBytes: 64 * 1024, startTimeoutMs: 300,
        turns: { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 30_000, maxCallSeconds: 600 },
        llm: { maxRetries: 0 },
        twilioSignature: { authTokens: ['an-old-rotated-token', AUTH_TOKEN], streamUrl: STREAM_URL }
      },
      verifier: new HmacStreamTokenVerifier({ secret: SECRET }),
      store: new InMemoryCallStore({ calls: [CALL] }),
      providers: spies.factory,
      log: () => undefined
    });
  });
  afterEach(() => relay.close());

  it.each([
    ['no signature', {}, 'twilio_signature_missing'],
    ['a signature over the https form of the URL', signed('https://relay.example.com/twilio/stream'), 'twilio_signature_invalid'],
    ['the signature of the TwiML webhook', signed('https://api.example.com/functions/v1/twilio-twiml?call_id=x'), 'twilio_signature_invalid'],
    ['a signature with another auth token', signed(STREAM_URL, 'not-our-auth-token-000000000000000'), 'twilio_signature_invalid'],
    ['a signature over the URL the request was sent to', { 'x-twilio-signature': getExpectedTwilioSignature(AUTH_TOKEN, 'ws://127.0.0.1/twilio/stream', {}) }, 'twilio_signature_invalid']
  ])('refuses the upgrade with 403 on %s, before any provider', async (_name, headers, reason) => {
    await expect(MediaStreamsTestClient.connect(local(), undefined, headers as Record<string, string>)).rejects.toThrow('HTTP 403');
    expect(relay.metrics.snapshot().rejected).toEqual({ [reason]: 1 });
    expect(spies.factory).not.toHaveBeenCalled();
    expect(spies.stt.open).not.toHaveBeenCalled();
  });

  it.each([['the wss URL', STREAM_URL], ['the wss URL with a trailing slash', `${STREAM_URL}/`]])('accepts %s, and still requires the stream token', async (_name, signedUrl) => {
    const noToken = await MediaStreamsTestClient.connect(local(), undefined, signed(signedUrl));
    noToken.start(SID_A, {});
    expect(await noToken.closed).toEqual({ code: 1008, reason: 'token_missing' });
    expect(spies.factory).not.toHaveBeenCalled();
    const c = await MediaStreamsTestClient.connect(local(), undefined, signed(signedUrl));
    c.start(SID_A, { stream_token: mintStreamToken({ callId: 'call-a', callSid: SID_A, exp: exp() }, SECRET) });
    await c.next((m) => m.event === 'media');
    expect(spies.factory).toHaveBeenCalledTimes(1);
    c.close();
  });
});
