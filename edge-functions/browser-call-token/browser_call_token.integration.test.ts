// Access Tokens for browser calls through the real path: Auth issues the session, calls-create places a browser
// call, and the gateway runs browser-call-token with devstack's Twilio Voice settings.
import assert from 'node:assert/strict';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { signUp, signUpOnboarded, stackEnv, testPool } from '../_shared/testing.ts';

const db = testPool();
const opts = { sanitizeResources: false, sanitizeOps: false };
const API = stackEnv('SUPABASE_URL');
const ANON = stackEnv('SUPABASE_ANON_KEY');
const BRAD = 'a0000000-0000-4000-8000-000000000001';

function invoke(slug: string, token: string | null, body: unknown): Promise<Response> {
  return fetch(`${API}/functions/v1/${slug}`, {
    method: 'POST',
    headers: { apikey: ANON, 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body)
  });
}

async function placeBrowserCall(token: string): Promise<string> {
  const res = await invoke('calls-create', token, { persona_id: BRAD, mode: 'browser', payment_method: 'credits', max_duration_minutes: 2 });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.call_id as string;
}

const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

Deno.test({ ...opts, name: 'the owner of a browser call gets a Twilio Access Token for it through the gateway', fn: async () => {
  const u = await signUpOnboarded(db, 'browser-token');
  const callId = await placeBrowserCall(u.token);
  const res = await invoke('browser-call-token', u.token, { call_id: callId });
  const body = (await res.json()) as { token: string; identity: string; call_id: string; expires_in: number };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.deepEqual([body.identity, body.call_id, body.expires_in], [u.userId, callId, 600]);
  assert.equal(decodeProtectedHeader(body.token).cty, 'twilio-fpa;v=1');
  const { payload } = await jwtVerify(body.token, new TextEncoder().encode(stackEnv('TWILIO_API_KEY_SECRET')), {
    issuer: stackEnv('TWILIO_API_KEY_SID'), subject: stackEnv('TWILIO_ACCOUNT_SID')
  });
  assert.deepEqual(payload.grants, {
    identity: u.userId,
    voice: { outgoing: { application_sid: stackEnv('TWILIO_TWIML_APP_SID'), params: { call_id: callId } } }
  });
}});

Deno.test({ ...opts, name: 'no session, someone else\'s call, a phone call and a finished call get no token', fn: async () => {
  const owner = await signUpOnboarded(db, 'browser-token-owner');
  const stranger = await signUp('browser-token-stranger');
  const callId = await placeBrowserCall(owner.token);

  assert.equal((await invoke('browser-call-token', null, { call_id: callId })).status, 401);
  assert.equal(await codeOf(await invoke('browser-call-token', stranger.token, { call_id: callId })), 'call_not_found');

  const phone = await db.query<{ id: string }>(
    `insert into public.calls (user_id, persona_id, mode, phone_number, payment_method, max_duration_seconds, status)
     values ($1, $2, 'phone', '+14155550100', 'demo', 120, 'queued') returning id`, [owner.userId, BRAD]);
  assert.equal(await codeOf(await invoke('browser-call-token', owner.token, { call_id: phone.rows[0]!.id })), 'call_not_browser');

  assert.equal((await invoke('calls-cancel', owner.token, { call_id: callId })).status, 200);
  assert.equal(await codeOf(await invoke('browser-call-token', owner.token, { call_id: callId })), 'call_already_ended');
}});

Deno.test({ ...opts, name: 'close the pool', fn: async () => { await db.end(); } });
