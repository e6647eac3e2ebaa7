// A browser call through Twilio's Voice SDK, as Twilio would drive it, through the gateway against devstack: the
// user places a browser call and gets an Access Token; Twilio asks the TwiML App's Voice URL (signed with the
// account's auth token) with the token's identity and call id, which binds the CallSid and connects the call to the
// relay; the app's signed status callbacks then complete it and settle it with the client leg's Twilio minutes.
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { signUp, signUpOnboarded, stackEnv, testPool } from '../_shared/testing.ts';

const db = testPool();
const opts = { sanitizeResources: false, sanitizeOps: false };
const API = stackEnv('SUPABASE_URL');
const ANON = stackEnv('SUPABASE_ANON_KEY');
const AUTH_TOKEN = stackEnv('TWILIO_AUTH_TOKEN');
const BRAD = 'a0000000-0000-4000-8000-000000000001';
const newSid = () => `CA${crypto.randomUUID().replace(/-/g, '')}`;

async function invoke(slug: string, token: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${API}/functions/v1/${slug}`, {
    method: 'POST', headers: { apikey: ANON, authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body)
  });
  const out = (await res.json()) as Record<string, unknown>;
  assert.ok(res.ok, `${slug}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

/** POSTs form parameters to a Twilio-facing function, signed as Twilio signs (public URL + sorted params). */
function twilioPost(slug: string, params: Record<string, string>): Promise<Response> {
  const url = `${API}/functions/v1/${slug}`;
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature(AUTH_TOKEN, url, params) },
    body: new URLSearchParams(params).toString()
  });
}

/** What Twilio sends the Voice URL for a call the Voice SDK placed with this Access Token. */
function voiceUrlParams(accessToken: string, callSid: string, over: Record<string, string> = {}): Record<string, string> {
  const grants = decodeJwt(accessToken).grants as { identity: string; voice: { outgoing: { application_sid: string; params: Record<string, string> } } };
  return {
    AccountSid: stackEnv('TWILIO_ACCOUNT_SID'), ApplicationSid: grants.voice.outgoing.application_sid, ApiVersion: '2010-04-01',
    CallSid: callSid, CallStatus: 'ringing', Direction: 'inbound', From: `client:${grants.identity}`, Caller: `client:${grants.identity}`,
    To: '', ...grants.voice.outgoing.params, ...over
  };
}

async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const callRow = async (id: string) => (await db.query(
  'select status, twilio_call_sid, duration_seconds, payment_status, answered_at is not null as answered from public.calls where id = $1', [id])).rows[0];

Deno.test({ ...opts, name: 'Voice URL: binds the CallSid and connects to the relay; status callbacks complete and settle the call', fn: async () => {
  const u = await signUpOnboarded(db, 'voice-sdk');
  const placed = await invoke('calls-create', u.token, { persona_id: BRAD, mode: 'browser', payment_method: 'credits', max_duration_minutes: 2 });
  const callId = String(placed.call_id);
  const reserved = Number(placed.reserved_credits);
  const { token } = (await invoke('browser-call-token', u.token, { call_id: callId })) as { token: string };
  const callSid = newSid();

  // Not our TwiML App: rejected, nothing bound.
  const foreign = await twilioPost('twilio-browser-twiml', voiceUrlParams(token, callSid, { ApplicationSid: `AP${'9'.repeat(32)}` }));
  assert.equal(foreign.status, 200);
  assert.match(await foreign.text(), /<Reject\/>/);
  assert.deepEqual(await callRow(callId), { status: 'queued', twilio_call_sid: null, duration_seconds: null, payment_status: 'reserved', answered: false });

  const res = await twilioPost('twilio-browser-twiml', voiceUrlParams(token, callSid));
  assert.equal(res.status, 200);
  const xml = await res.text();
  assert.match(xml, new RegExp(`<Connect><Stream url="${stackEnv('RELAY_URL').replace(/[.]/g, '\\.')}/twilio/stream">`));
  assert.match(xml, new RegExp(`<Parameter name="call_id" value="${callId}"/><Parameter name="stream_token" value="[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+"/>`));
  assert.deepEqual(await callRow(callId), { status: 'in_progress', twilio_call_sid: callSid, duration_seconds: null, payment_status: 'reserved', answered: true });

  // A second call placed with the same token (another tab) is rejected: the call is Twilio's under its first CallSid.
  assert.match(await (await twilioPost('twilio-browser-twiml', voiceUrlParams(token, newSid()))).text(), /<Reject\/>/);

  // The relay reports its media as ended (what it does when the stream closes); Twilio then reports the call.
  await db.query('update public.calls set media_ended_at = now(), media_end_reason = $2 where id = $1', [callId, 'persona_hung_up']);
  const progress = await twilioPost('twilio-status', { CallSid: callSid, CallStatus: 'in-progress', SequenceNumber: '1', AccountSid: stackEnv('TWILIO_ACCOUNT_SID') });
  assert.equal(progress.status, 200);
  await progress.body?.cancel();
  const done = await twilioPost('twilio-status', { CallSid: callSid, CallStatus: 'completed', SequenceNumber: '2', CallDuration: '75', AccountSid: stackEnv('TWILIO_ACCOUNT_SID') });
  assert.equal(done.status, 200);
  await done.body?.cancel();
  // Applying and settling may finish after Twilio has its answer (a slow moment): wait for them.
  const settled = await waitFor(() => callRow(callId), (r) => r.payment_status === 'settled', 10_000);
  assert.deepEqual(settled, { status: 'completed', twilio_call_sid: callSid, duration_seconds: 75, payment_status: 'settled', answered: true });

  // 75 s = 2 started minutes of the Voice SDK client leg ($0.004) and of Media Streams ($0.004).
  const twilio = await db.query('select event_type, model, cost_usd::float8 as usd from public.call_cost_events where call_id = $1 and service = $2 order by model', [callId, 'twilio']);
  assert.deepEqual(twilio.rows, [
    { event_type: 'voice_minutes', model: 'client_voice_sdk', usd: 0.008 },
    { event_type: 'media_stream_minutes', model: 'media_streams', usd: 0.008 }
  ]);
  // ($0.008 + $0.008) × 1.3 = 2.08 cents → 3 credits charged, the rest of the hold released.
  const ledger = await db.query<{ type: string; amount: number }>(
    'select type, amount::int as amount from public.credit_transactions where user_id = $1 order by id', [u.userId]);
  assert.deepEqual(ledger.rows.map((r) => [r.type, r.amount]), [['signup_grant', 500], ['reservation', -reserved], ['settlement', reserved - 3]]);
}});

Deno.test({ ...opts, name: 'Voice URL: another user\'s identity, or a call that ended, is rejected', fn: async () => {
  const owner = await signUpOnboarded(db, 'voice-sdk-owner');
  const stranger = await signUp('voice-sdk-stranger');
  const placed = await invoke('calls-create', owner.token, { persona_id: BRAD, mode: 'browser', payment_method: 'credits', max_duration_minutes: 1 });
  const callId = String(placed.call_id);
  const { token } = (await invoke('browser-call-token', owner.token, { call_id: callId })) as { token: string };

  const impostor = voiceUrlParams(token, newSid(), { From: `client:${stranger.userId}`, Caller: `client:${stranger.userId}` });
  assert.match(await (await twilioPost('twilio-browser-twiml', impostor)).text(), /<Reject\/>/);
  assert.equal((await callRow(callId)).twilio_call_sid, null);

  await invoke('calls-cancel', owner.token, { call_id: callId });
  assert.match(await (await twilioPost('twilio-browser-twiml', voiceUrlParams(token, newSid()))).text(), /<Reject\/>/);
  assert.deepEqual(await callRow(callId), { status: 'canceled', twilio_call_sid: null, duration_seconds: null, payment_status: 'released', answered: false });
}});

Deno.test({ ...opts, name: 'close the pool', fn: async () => { await db.end(); } });
