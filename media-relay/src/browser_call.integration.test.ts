// A browser-mode call through the real parts: a user signs up (Auth), places a browser call (calls-create, credits
// reserved), and a softphone speaking the Media Streams format talks to the relay's /browser/stream with the user's
// access token. The relay asks Auth about the token, checks the call in Postgres, drives its status (in progress,
// then completed with duration and end reason) and settles it; STT/LLM/TTS are the devstack stand-ins.
import { describe, expect, it } from 'vitest';
import { synthesizeMulaw } from '../../devstack/src/vendors/speech/espeak.ts';
import { browserRelayForTests, placeBrowserCall, signedInUser, softphoneStart, waitFor } from './testing/browser_calls.ts';
import { MediaStreamsTestClient } from './testing/media_streams_client.ts';

const { db, relay: relayNow, callRow } = browserRelayForTests();

describe('a browser call through /browser/stream', () => {
  const url = () => `ws://127.0.0.1:${relayNow().port}/browser/stream`;

  it('talks, ends when the persona says goodbye, and is completed and settled once', { timeout: 90_000 }, async () => {
    const u = await signedInUser();
    const { callId, reserved } = await placeBrowserCall(u.sb);
    expect(reserved).toBeGreaterThan(0);
    expect((await callRow(callId)).status).toBe('queued');

    const phone = await MediaStreamsTestClient.connect(url(), `MZbrowser${Date.now()}`);
    softphoneStart(phone, callId, u.token);
    phone.startLine();
    await phone.next((m) => m.event === 'media', 15_000);
    expect((await callRow(callId)).status).toBe('in_progress');

    const session = () => relayNow().sessions.get(callId);
    await waitFor(async () => session()?.phase, (p) => p === 'listening', 30_000, 'the greeting to play');
    await phone.speak(await synthesizeMulaw('Hello? Who is this?'));
    await waitFor(async () => session()?.phase, (p) => p === 'responding', 10_000, 'the answer');
    await waitFor(async () => session()?.phase, (p) => p === 'listening', 30_000, 'the answer to play');
    await phone.speak(await synthesizeMulaw('Okay, thank you. Goodbye.'));
    const closed = await phone.closed;
    expect(closed.code).toBe(1000);

    const call = await waitFor(() => callRow(callId), (r) => r.payment_status === 'settled', 15_000, 'settlement');
    expect(call).toMatchObject({ status: 'completed', end_reason: 'persona_hung_up', payment_status: 'settled' });
    expect(Number(call.duration_seconds)).toBeGreaterThan(3);
    expect(call.answered_at).not.toBeNull();
    const charged = Number(call.actual_cost_cents);
    expect(charged).toBeGreaterThan(0);
    expect(charged).toBeLessThanOrEqual(reserved);

    // What was said is on record, and the costs are the AI services' only: a browser call has no Twilio minutes.
    const transcript = (await db.query<{ speaker: string; text: string }>('select speaker, text from public.call_transcript_segments where call_id = $1 order by seq', [callId])).rows;
    expect(transcript[0]?.speaker).toBe('persona');
    expect(transcript.filter((s) => s.speaker === 'user').map((s) => s.text)).toContain('hello who is this');
    const services = (await db.query<{ service: string }>('select distinct service from public.call_cost_events where call_id = $1 order by 1', [callId])).rows.map((r) => r.service);
    expect(services).toEqual(['cerebras', 'deepgram', 'elevenlabs']);
    const ledger = (await db.query<{ type: string; amount: string }>('select type, amount from public.credit_transactions where user_id = $1 order by id', [u.userId])).rows;
    expect(ledger.map((l) => [l.type, Number(l.amount)])).toEqual([['signup_grant', 500], ['reservation', -reserved], ['settlement', reserved - charged]]);

    // The call is over: the same user cannot open it again.
    const again = await MediaStreamsTestClient.connect(url());
    softphoneStart(again, callId, u.token);
    expect(await again.closed).toEqual({ code: 1008, reason: 'call_finished' });
  });

  it('refuses a token Auth rejects and another user\'s token, then completes when the caller hangs up', { timeout: 60_000 }, async () => {
    const owner = await signedInUser();
    const stranger = await signedInUser();
    const { callId } = await placeBrowserCall(owner.sb);

    const forged = await MediaStreamsTestClient.connect(url());
    softphoneStart(forged, callId, `${owner.token.slice(0, -4)}AAAA`);
    expect(await forged.closed).toEqual({ code: 1008, reason: 'auth_invalid' });
    const foreign = await MediaStreamsTestClient.connect(url());
    softphoneStart(foreign, callId, stranger.token);
    expect(await foreign.closed).toEqual({ code: 1008, reason: 'call_not_found' });
    expect((await callRow(callId)).status).toBe('queued');

    const phone = await MediaStreamsTestClient.connect(url());
    softphoneStart(phone, callId, owner.token);
    phone.startLine();
    await phone.next((m) => m.event === 'media', 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    phone.stop();
    phone.close();
    const call = await waitFor(() => callRow(callId), (r) => r.payment_status === 'settled', 15_000, 'settlement');
    expect(call).toMatchObject({ status: 'completed', end_reason: 'user_hung_up' });
    expect(Number(call.duration_seconds)).toBeGreaterThanOrEqual(1);
  });
});
