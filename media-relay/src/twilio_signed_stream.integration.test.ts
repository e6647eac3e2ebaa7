// The Twilio stand-in's simulated callee signs its WebSocket upgrade as Twilio does, and a relay that checks the
// signature (TWILIO_AUTH_TOKEN set) admits it; the same callee without the auth token is refused at the upgrade.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCallee } from '../../devstack/src/vendors/twilio/callee.ts';
import { freePort } from '../../devstack/src/wait_for_http.ts';
import { InMemoryCallStore, type CallContext } from './call_store.ts';
import type { Providers } from './provider_contracts.ts';
import { startRelayServer, type RelayServer } from './server.ts';
import { HmacStreamTokenVerifier, mintStreamToken } from './stream_token.ts';

const SECRET = 'signed-stream-secret-of-at-least-32-chars';
const AUTH_TOKEN = 'signed-stream-auth-token-0000000000';
const CALL: CallContext = { callId: 'signed-1', personaName: 'Sarah', systemPrompt: 'You are Sarah.', voiceId: 'v', maxDurationSeconds: 60, cutoffCents: null, warnCents: null };
const CALL_SID = `CA${'5'.repeat(32)}`;

const providers: Providers = {
  stt: { info: { service: 'deepgram', model: 'm' }, open: async () => ({ sendAudio: () => undefined, close: async () => ({ audioSeconds: 0 }) }) },
  llm: { info: { service: 'cerebras', model: 'm' }, async *stream() { yield { type: 'text' as const, delta: 'Hello, it is Sarah.' }; } },
  tts: { info: { service: 'elevenlabs', model: 'm' }, async *synthesize() { yield { type: 'audio' as const, mulaw: new Uint8Array(1600).fill(0x20) }; } }
};


describe('a Twilio-signed stream upgrade from the stand-in carrier', () => {
  let relay: RelayServer;
  let streamUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    streamUrl = `ws://127.0.0.1:${port}/twilio/stream`;
    relay = await startRelayServer({
      config: {
        host: '127.0.0.1', port, maxPayloadBytes: 64 * 1024, startTimeoutMs: 2000,
        turns: { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 30_000, maxCallSeconds: 60 },
        llm: { maxRetries: 0 },
        twilioSignature: { authTokens: [AUTH_TOKEN], streamUrl }
      },
      verifier: new HmacStreamTokenVerifier({ secret: SECRET }),
      store: new InMemoryCallStore({ calls: [CALL] }),
      providers: () => providers,
      log: () => undefined
    });
  });
  afterAll(() => relay?.close());

  let hangup: () => void = () => undefined;
  const dial = (authToken: string | undefined) => new Promise<string>((resolve) => {
    const callee = connectCallee({
      url: streamUrl,
      accountSid: `AC${'0'.repeat(32)}`,
      callSid: CALL_SID,
      parameters: { call_id: CALL.callId, stream_token: mintStreamToken({ callId: CALL.callId, callSid: CALL_SID, exp: Math.floor(Date.now() / 1000) + 60 }, SECRET) },
      script: { lines: [] },
      events: { ended: (reason, detail) => resolve(`${reason}${detail ? `: ${detail}` : ''}`) },
      ...(authToken ? { authToken } : {})
    });
    hangup = () => callee.hangup('carrier_hangup');
  });

  it('is refused without the signature', async () => {
    expect(await dial(undefined)).toMatch(/^error: Unexpected server response: 403/);
    expect(relay.metrics.snapshot().rejected).toEqual({ twilio_signature_missing: 1 });
    expect(relay.metrics.callsAdmitted).toBe(0);
  });

  it('is admitted with it, and the call runs', async () => {
    const ended = dial(AUTH_TOKEN);
    await expect.poll(() => relay.metrics.callsAdmitted, { timeout: 5000 }).toBe(1);
    hangup();
    expect(await ended).toBe('carrier_hangup');
    await expect.poll(() => relay.metrics.activeCalls, { timeout: 5000 }).toBe(0);
    expect(relay.metrics.snapshot().rejected).toEqual({ twilio_signature_missing: 1 });
  });
});
