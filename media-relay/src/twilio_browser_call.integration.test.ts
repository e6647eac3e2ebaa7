// A browser call placed through Twilio's Voice SDK reaches the relay on the Twilio stream, bound to its CallSid by
// the TwiML App's Voice URL. Against the devstack database: it is admitted only with a stream token for that
// CallSid (MS-03/MS-05), and its status is Twilio's — the relay marks its media as ended but neither starts nor
// completes it (that is for softphone calls only); Twilio's completed callback does, priced as a client leg.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stack, uniqueEmail } from '../../devstack/src/testing/stack_env.ts';
import { PgCallStore } from './pg_call_store.ts';
import type { Providers } from './provider_contracts.ts';
import { startRelayServer, type RelayServer } from './server.ts';
import { HmacStreamTokenVerifier, mintStreamToken } from './stream_token.ts';
import { MediaStreamsTestClient } from './testing/media_streams_client.ts';

const SECRET = 'voice-sdk-stream-secret-of-at-least-32-chars';
const BRAD = 'a0000000-0000-4000-8000-000000000001';
const sid = () => `CA${randomUUID().replace(/-/g, '')}`;

const providers: Providers = {
  stt: { info: { service: 'deepgram', model: 'm' }, open: async () => ({ sendAudio: () => undefined, close: async () => ({ audioSeconds: 1 }) }) },
  llm: { info: { service: 'cerebras', model: 'm' }, async *stream() { yield { type: 'text' as const, delta: 'Hi, it is Brad.' }; } },
  tts: { info: { service: 'elevenlabs', model: 'm' }, async *synthesize() { yield { type: 'audio' as const, mulaw: new Uint8Array(1600).fill(0x20) }; } }
};

const db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
let store: PgCallStore;
let relay: RelayServer;
const userId = randomUUID();

beforeAll(async () => {
  store = new PgCallStore(stack.dbUrl, () => undefined);
  relay = await startRelayServer({
    config: {
      host: '127.0.0.1', port: 0, maxPayloadBytes: 64 * 1024, startTimeoutMs: 2000,
      turns: { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 30_000, maxCallSeconds: 600 },
      llm: { maxRetries: 0 }
    },
    verifier: new HmacStreamTokenVerifier({ secret: SECRET }),
    store,
    providers: () => providers,
    log: () => undefined
  });
  await db.query(
    `insert into auth.users (id, aud, role, email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
     values ($1, 'authenticated', 'authenticated', $2, now(), '{"provider":"email"}', '{}')`, [userId, uniqueEmail('voice-sdk')]);
});

afterAll(async () => {
  await relay?.close();
  await store?.close();
  await db.query('delete from auth.users where id = $1', [userId]);
  await db.end();
});

/** A browser call as twilio-browser-twiml leaves it: bound to its CallSid and answered. */
async function voiceSdkCall(callSid: string): Promise<string> {
  const r = await db.query<{ id: string }>(
    `insert into public.calls (user_id, persona_id, mode, payment_method, max_duration_seconds, status)
     values ($1, $2, 'browser', 'demo', 300, 'queued') returning id`, [userId, BRAD]);
  await db.query(`update public.calls set twilio_call_sid = $2, status = 'in_progress' where id = $1`, [r.rows[0]!.id, callSid]);
  return r.rows[0]!.id;
}

const row = async (id: string) => (await db.query(
  `select status, duration_seconds, end_reason, media_end_reason, media_ended_at is not null as media_ended, payment_status
     from public.calls where id = $1`, [id])).rows[0] as Record<string, unknown>;

describe('a Voice SDK browser call on /twilio/stream', () => {
  const url = () => `ws://127.0.0.1:${relay.port}/twilio/stream`;

  it('is refused without a stream token, or with one for another CallSid, and nothing changes', async () => {
    const callSid = sid();
    const callId = await voiceSdkCall(callSid);
    const bare = await MediaStreamsTestClient.connect(url());
    bare.start(callSid, { call_id: callId });
    expect(await bare.closed).toEqual({ code: 1008, reason: 'token_missing' });
    const foreign = await MediaStreamsTestClient.connect(url());
    foreign.start(callSid, { call_id: callId, stream_token: mintStreamToken({ callId, callSid: sid(), exp: Math.floor(Date.now() / 1000) + 60 }, SECRET) });
    expect(await foreign.closed).toEqual({ code: 1008, reason: 'call_sid_mismatch' });
    expect(relay.sessions.has(callId)).toBe(false);
    expect(await row(callId)).toMatchObject({ status: 'in_progress', media_ended: false });
  });

  it('is admitted with its token; the relay ends its media, Twilio\'s callback completes and settles it', { timeout: 30_000 }, async () => {
    const callSid = sid();
    const callId = await voiceSdkCall(callSid);
    const admittedBefore = relay.metrics.callsAdmitted;
    const line = await MediaStreamsTestClient.connect(url());
    const greeting = line.next((m) => m.event === 'media', 10_000);
    line.start(callSid, { call_id: callId, stream_token: mintStreamToken({ callId, callSid, exp: Math.floor(Date.now() / 1000) + 60 }, SECRET) });
    await greeting;
    expect(relay.metrics.callsAdmitted).toBe(admittedBefore + 1);
    expect(relay.sessions.has(callId)).toBe(true);

    line.stop();
    line.close();
    await expect.poll(async () => (await row(callId)).media_ended, { timeout: 10_000 }).toBe(true);
    // The relay did not complete it with its own clock (finish_browser_call is for softphone calls only).
    expect(await row(callId)).toMatchObject({ status: 'in_progress', duration_seconds: null, media_end_reason: 'user_hung_up' });

    const cb = await db.query<{ outcome: string }>(
      `select outcome from private.record_twilio_status($1, 'completed', 4, 65, null, '{}'::jsonb)`, [callSid]);
    expect(cb.rows[0]!.outcome).toBe('applied');
    expect((await db.query<{ s: string }>('select private.settle_finished_call($1) as s', [callId])).rows[0]!.s).toBe('settled');
    expect(await row(callId)).toMatchObject({ status: 'completed', duration_seconds: 65, end_reason: 'user_hung_up', payment_status: 'settled' });
    const twilio = await db.query('select model, cost_usd::float8 as usd from public.call_cost_events where call_id = $1 and service = $2 order by model', [callId, 'twilio']);
    expect(twilio.rows).toEqual([{ model: 'client_voice_sdk', usd: 0.008 }, { model: 'media_streams', usd: 0.008 }]);
  });
});
