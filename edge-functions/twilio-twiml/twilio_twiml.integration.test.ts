// TwiML for an answered call, against devstack's Postgres: signed requests only, the stream token verifies with the
// media relay's own verifier (the contract between the two), and unknown or finished calls are hung up.
import assert from 'node:assert/strict';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { HmacStreamTokenVerifier } from '../../media-relay/src/stream_token.ts';
import { createUser, testPool } from '../_shared/testing.ts';
import { handleTwiml } from './handler.ts';

const db = testPool();
const TOKEN = 'twiml-test-token';
const SECRET = 'stream-secret-for-tests-0123456789';
const PUBLIC = 'https://api.callmeback.test';
const deps = { db, publicApiUrl: PUBLIC, authTokens: [TOKEN], relayStreamUrl: 'wss://relay.callmeback.test/twilio/stream', streamTokenSecret: SECRET };
const opts = { sanitizeResources: false, sanitizeOps: false };
const sid = () => `CA${crypto.randomUUID().replace(/-/g, '')}`;

function fetchTwiml(callId: string, params: Record<string, string>, sign = true): Request {
  const path = `/twilio-twiml?call_id=${callId}`;
  const signature = getExpectedTwilioSignature(TOKEN, `${PUBLIC}/functions/v1${path}`, params);
  return new Request(`http://127.0.0.1:9999${path}`, {
    method: 'POST', body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(sign ? { 'x-twilio-signature': signature } : {}) }
  });
}

async function newCall(status = 'queued'): Promise<string> {
  const user = await createUser(db, 'twiml');
  const r = await db.query<{ id: string }>(
    `insert into public.calls (user_id, persona_id, mode, phone_number, payment_method, max_duration_seconds, status, ended_at)
     values ($1, 'a0000000-0000-4000-8000-000000000001', 'phone', '+14155550100', 'demo', 120, $2::public.call_status, case when $2::public.call_status = 'completed' then now() end) returning id`,
    [user.id, status]);
  return r.rows[0]!.id;
}

Deno.test({ ...opts, name: 'an answered call connects to the relay with a token the relay accepts once', fn: async () => {
  const callId = await newCall();
  const callSid = sid();
  const res = await handleTwiml(fetchTwiml(callId, { CallSid: callSid, CallStatus: 'in-progress', AccountSid: 'AC1' }), deps);
  assert.equal(res.status, 200);
  const xml = await res.text();
  assert.match(xml, /<Connect><Stream url="wss:\/\/relay\.callmeback\.test\/twilio\/stream">/);
  const token = /name="stream_token" value="([^"]+)"/.exec(xml)![1]!;
  assert.match(xml, new RegExp(`name="call_id" value="${callId}"`));
  const verifier = new HmacStreamTokenVerifier({ secret: SECRET });
  assert.deepEqual(await verifier.verify(token, callSid), { ok: true, callId });
  assert.deepEqual(await verifier.verify(token, callSid), { ok: false, reason: 'token_reused' });
  assert.deepEqual(await new HmacStreamTokenVerifier({ secret: SECRET }).verify(token, sid()), { ok: false, reason: 'call_sid_mismatch' });
  const stored = await db.query<{ twilio_call_sid: string }>('select twilio_call_sid from public.calls where id = $1', [callId]);
  assert.equal(stored.rows[0]!.twilio_call_sid, callSid);
}});

Deno.test({ ...opts, name: 'unsigned fetches are refused; another CallSid or a finished call gets a hang-up', fn: async () => {
  const callId = await newCall();
  assert.equal((await handleTwiml(fetchTwiml(callId, { CallSid: sid() }, false), deps)).status, 403);
  await handleTwiml(fetchTwiml(callId, { CallSid: sid() }), deps);
  const foreign = await (await handleTwiml(fetchTwiml(callId, { CallSid: sid() }), deps)).text();
  assert.match(foreign, /<Hangup\/>/);
  assert.doesNotMatch(foreign, /<Stream/);
  const done = await newCall('completed');
  assert.match(await (await handleTwiml(fetchTwiml(done, { CallSid: sid() }), deps)).text(), /<Hangup\/>/);
}});

Deno.test({ ...opts, name: 'an answering machine (synchronous detection) gets one short message, no stream, and the verdict is kept', fn: async () => {
  const callId = await newCall();
  const xml = await (await handleTwiml(fetchTwiml(callId, { CallSid: sid(), AnsweredBy: 'machine_end_beep' }), deps)).text();
  assert.match(xml, /<Say>Hi.*Brad from Call Me Back.*<\/Say><Hangup\/>/);
  assert.doesNotMatch(xml, /<Stream/);
  const stored = await db.query<{ answered_by: string }>('select answered_by from public.calls where id = $1', [callId]);
  assert.equal(stored.rows[0]!.answered_by, 'machine_end_beep');
}});

Deno.test({ ...opts, name: 'close the pool', fn: async () => { await db.end(); } });
