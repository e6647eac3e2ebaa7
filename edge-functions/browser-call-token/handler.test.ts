import assert from 'node:assert/strict';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { errorCode, liveSession, untouchableDb } from '../_shared/fakes.ts';
import type { Queryable } from '../_shared/queryable.ts';
import { sessionFor } from '../_shared/testing.ts';
import { handleBrowserCallToken, twilioVoiceConfig, type BrowserCallTokenDeps, type TwilioVoiceConfig } from './handler.ts';

const USER = '0b6f5f3c-4a57-4c5e-9f55-3d5a2f0c1e01';
const CALL = '5d0c9a52-2f5e-4d7b-8a43-0e4f7a1b2c3d';
const TWILIO: TwilioVoiceConfig = {
  accountSid: `AC${'1'.repeat(32)}`,
  apiKeySid: `SK${'2'.repeat(32)}`,
  apiKeySecret: 'api-key-secret-for-unit-tests-0000',
  twimlAppSid: `AP${'3'.repeat(32)}`
};

/** A database holding at most one call row, answering the handler's ownership query like Postgres would. */
function oneCall(row: { user_id: string; mode: string; status: string; twilio_call_sid?: string | null } | null) {
  const seen: { sql: string; args: unknown[] }[] = [];
  const db: Queryable = {
    query: <R,>(sql: string, args: unknown[] = []) => {
      seen.push({ sql, args });
      const match = row && args[0] === CALL && args[1] === row.user_id;
      const rows = match ? [{ mode: row.mode, status: row.status, twilio_call_sid: row.twilio_call_sid ?? null }] : [];
      return Promise.resolve({ rows: rows as unknown as R[], rowCount: rows.length });
    }
  };
  return { db, seen };
}

function ask(authorization: string | null, body: unknown = { call_id: CALL }, method = 'POST'): Request {
  return new Request('http://f/browser-call-token', {
    method,
    headers: authorization ? { authorization } : {},
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {})
  });
}

const s = liveSession(USER);

Deno.test('no session: 401, nothing read', async () => {
  const db = untouchableDb();
  const res = await handleBrowserCallToken(ask(null), { session: s.deps, db, twilio: TWILIO });
  assert.equal(res.status, 401);
  assert.equal(await errorCode(res), 'unauthenticated');
  assert.deepEqual(db.queries, []);
});

Deno.test('a signed-out (blacklisted) session is refused', async () => {
  const db = untouchableDb();
  const revoked = sessionFor(USER);
  const deps: BrowserCallTokenDeps = { session: { ...revoked.deps, isBlacklisted: () => Promise.resolve(true) }, db, twilio: TWILIO };
  const res = await handleBrowserCallToken(ask(revoked.authorization), deps);
  assert.equal(res.status, 401);
  assert.equal(await errorCode(res), 'session_revoked');
  assert.deepEqual(db.queries, []);
});

Deno.test('without the Twilio Voice settings: 503 browser_calls_unavailable with a sentence', async () => {
  const db = untouchableDb();
  const res = await handleBrowserCallToken(ask(s.authorization), { session: s.deps, db, twilio: null });
  assert.equal(res.status, 503);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'browser_calls_unavailable');
  assert.match(body.error.message, /^[A-Z].+\.$/);
  assert.deepEqual(db.queries, []);
});

Deno.test('the settings are all-or-nothing', () => {
  const env: Record<string, string> = {
    TWILIO_ACCOUNT_SID: TWILIO.accountSid, TWILIO_API_KEY_SID: TWILIO.apiKeySid,
    TWILIO_API_KEY_SECRET: TWILIO.apiKeySecret, TWILIO_TWIML_APP_SID: TWILIO.twimlAppSid
  };
  assert.deepEqual(twilioVoiceConfig((n) => env[n]), TWILIO);
  for (const name of Object.keys(env)) {
    assert.equal(twilioVoiceConfig((n) => (n === name ? undefined : env[n])), null, `${name} missing`);
  }
});

Deno.test('a malformed call id is not found, without a query', async () => {
  const db = untouchableDb();
  const res = await handleBrowserCallToken(ask(s.authorization, { call_id: "x' or 1=1" }), { session: s.deps, db, twilio: TWILIO });
  assert.equal(await errorCode(res), 'call_not_found');
  assert.deepEqual(db.queries, []);
});

Deno.test('someone else\'s call is not found (the query is scoped to the signed-in user)', async () => {
  const { db, seen } = oneCall({ user_id: '9c1b6a2e-0000-4000-8000-000000000099', mode: 'browser', status: 'queued' });
  const res = await handleBrowserCallToken(ask(s.authorization), { session: s.deps, db, twilio: TWILIO });
  assert.equal(res.status, 404);
  assert.equal(await errorCode(res), 'call_not_found');
  assert.deepEqual(seen[0]!.args, [CALL, USER]);
});

Deno.test('a phone-mode call gets no browser token', async () => {
  const { db } = oneCall({ user_id: USER, mode: 'phone', status: 'ringing' });
  const res = await handleBrowserCallToken(ask(s.authorization), { session: s.deps, db, twilio: TWILIO });
  assert.equal(res.status, 409);
  assert.equal(await errorCode(res), 'call_not_browser');
});

Deno.test('a finished call gets no token', async () => {
  for (const status of ['completed', 'canceled', 'failed']) {
    const { db } = oneCall({ user_id: USER, mode: 'browser', status });
    const res = await handleBrowserCallToken(ask(s.authorization), { session: s.deps, db, twilio: TWILIO });
    assert.equal(await errorCode(res), 'call_already_ended', status);
  }
});

Deno.test('a call Twilio already carries gets no second token', async () => {
  const { db } = oneCall({ user_id: USER, mode: 'browser', status: 'in_progress', twilio_call_sid: `CA${'4'.repeat(32)}` });
  const res = await handleBrowserCallToken(ask(s.authorization), { session: s.deps, db, twilio: TWILIO });
  assert.equal(res.status, 409);
  assert.equal(await errorCode(res), 'conflict');
});

Deno.test('the owner gets a Twilio Access Token in Twilio\'s format, signed with the API Key secret', async () => {
  const { db } = oneCall({ user_id: USER, mode: 'browser', status: 'queued' });
  const before = Math.floor(Date.now() / 1000);
  const res = await handleBrowserCallToken(ask(s.authorization), { session: s.deps, db, twilio: TWILIO });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const body = (await res.json()) as { token: string; identity: string; call_id: string; expires_in: number };
  assert.equal(body.identity, USER);
  assert.equal(body.call_id, CALL);
  assert.equal(body.expires_in, 600);

  assert.deepEqual(decodeProtectedHeader(body.token), { alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' });
  const { payload } = await jwtVerify(body.token, new TextEncoder().encode(TWILIO.apiKeySecret), {
    algorithms: ['HS256'], issuer: TWILIO.apiKeySid, subject: TWILIO.accountSid
  });
  const grants = payload.grants as { identity: string; voice: { incoming?: { allow: boolean }; outgoing: { application_sid: string; params: Record<string, string> } } };
  assert.equal(grants.identity, USER);
  assert.deepEqual(grants.voice.outgoing, { application_sid: TWILIO.twimlAppSid, params: { call_id: CALL } });
  assert.notEqual(grants.voice.incoming?.allow, true, 'incoming calls are never granted');
  assert.match(String(payload.jti), new RegExp(`^${TWILIO.apiKeySid}-\\d{10}$`));
  const issued = Number(String(payload.jti).split('-')[1]);
  assert.ok(issued >= before && issued <= before + 5);
  assert.equal(payload.exp! - issued, 600);

  // Signed with another secret, it does not verify.
  await assert.rejects(jwtVerify(body.token, new TextEncoder().encode('some-other-secret-0000000000000000')));
});

Deno.test('only POST', async () => {
  const res = await handleBrowserCallToken(ask(s.authorization, undefined, 'GET'), { session: s.deps, db: untouchableDb(), twilio: TWILIO });
  assert.equal(await errorCode(res), 'invalid_input');
});
