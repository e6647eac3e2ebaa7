import assert from 'node:assert/strict';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { HmacStreamTokenVerifier } from '../../media-relay/src/stream_token.ts';
import { untouchableDb } from '../_shared/fakes.ts';
import type { Queryable } from '../_shared/queryable.ts';
import { handleBrowserTwiml, type BrowserTwimlDeps } from './handler.ts';

const AUTH_TOKEN = 'browser-twiml-unit-auth-token';
const PUBLIC = 'https://api.callmeback.test';
const ACCOUNT = `AC${'1'.repeat(32)}`;
const APP = `AP${'3'.repeat(32)}`;
const SECRET = 'stream-secret-for-unit-tests-0123456789';
const USER = '0b6f5f3c-4a57-4c5e-9f55-3d5a2f0c1e01';
const CALL = '5d0c9a52-2f5e-4d7b-8a43-0e4f7a1b2c3d';
const SID = `CA${'a'.repeat(32)}`;

interface Row { id: string; user_id: string; mode: string; status: string; twilio_call_sid: string | null }

/** One calls row and the handler's bind-and-answer statement applied to it with Postgres's semantics. */
function callsTable(row: Row) {
  const writes: unknown[][] = [];
  const db: Queryable = {
    query: <R,>(sql: string, args: unknown[] = []) => {
      assert.match(sql, /^\s*update public\.calls/);
      const [id, sid, userId, open] = args as [string, string, string, string[]];
      const hit = row.id === id && row.user_id === userId && row.mode === 'browser' && open.includes(row.status) &&
        (row.twilio_call_sid === null || row.twilio_call_sid === sid);
      if (!hit) return Promise.resolve({ rows: [] as R[], rowCount: 0 });
      writes.push(args);
      row.twilio_call_sid = sid;
      row.status = 'in_progress';
      return Promise.resolve({ rows: [{ status: row.status }] as unknown as R[], rowCount: 1 });
    }
  };
  return { db, row, writes };
}

const newRow = (over: Partial<Row> = {}): Row => ({ id: CALL, user_id: USER, mode: 'browser', status: 'queued', twilio_call_sid: null, ...over });

function deps(db: Queryable, over: Partial<BrowserTwimlDeps> = {}): BrowserTwimlDeps {
  return {
    db, publicApiUrl: PUBLIC, authTokens: [AUTH_TOKEN], accountSid: ACCOUNT, twimlAppSid: APP,
    relayStreamUrl: 'wss://relay.callmeback.test/twilio/stream', streamTokenSecret: SECRET, ...over
  };
}

const params = (over: Record<string, string> = {}): Record<string, string> => ({
  AccountSid: ACCOUNT, ApplicationSid: APP, CallSid: SID, CallStatus: 'ringing', Direction: 'inbound',
  From: `client:${USER}`, To: '', Caller: `client:${USER}`, ApiVersion: '2010-04-01', call_id: CALL, ...over
});

function fetchTwiml(p: Record<string, string>, opts: { sign?: boolean; tamper?: Record<string, string> } = {}): Request {
  const signature = getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC}/functions/v1/twilio-browser-twiml`, p);
  return new Request('http://127.0.0.1:9999/twilio-browser-twiml', {
    method: 'POST',
    body: new URLSearchParams({ ...p, ...(opts.tamper ?? {}) }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(opts.sign === false ? {} : { 'x-twilio-signature': signature }) }
  });
}

async function rejected(res: Response): Promise<void> {
  assert.equal(res.status, 200);
  const body = await res.text();
  assert.match(body, /<Response><Reject\/><\/Response>/);
  assert.doesNotMatch(body, /<Stream|stream_token/);
}

Deno.test('an unsigned or tampered fetch gets 403 and changes nothing', async () => {
  const db = untouchableDb();
  assert.equal((await handleBrowserTwiml(fetchTwiml(params(), { sign: false }), deps(db))).status, 403);
  const tampered = await handleBrowserTwiml(fetchTwiml(params(), { tamper: { call_id: '11111111-1111-4111-8111-111111111111' } }), deps(db));
  assert.equal(tampered.status, 403);
  assert.doesNotMatch(await tampered.text(), /stream_token/);
  assert.deepEqual(db.queries, []);
});

Deno.test('another TwiML App or account is rejected before any database work', async () => {
  const db = untouchableDb();
  await rejected(await handleBrowserTwiml(fetchTwiml(params({ ApplicationSid: `AP${'9'.repeat(32)}` })), deps(db)));
  await rejected(await handleBrowserTwiml(fetchTwiml(params({ AccountSid: `AC${'9'.repeat(32)}` })), deps(db)));
  await rejected(await handleBrowserTwiml(fetchTwiml(params()), deps(db, { twimlAppSid: null })));
  assert.deepEqual(db.queries, []);
});

Deno.test('a caller that is not a client identity, or a malformed call id or CallSid, is rejected', async () => {
  const db = untouchableDb();
  const bad: Record<string, string>[] = [{ From: '+14155550100' }, { From: 'client:someone' }, { call_id: 'not-a-uuid' }, { CallSid: 'CA123' }];
  for (const over of bad) {
    await rejected(await handleBrowserTwiml(fetchTwiml(params(over)), deps(db)));
  }
  assert.deepEqual(db.queries, []);
});

Deno.test('another user\'s identity is rejected and the call stays unbound', async () => {
  const t = callsTable(newRow());
  await rejected(await handleBrowserTwiml(fetchTwiml(params({ From: 'client:9c1b6a2e-0000-4000-8000-000000000099' })), deps(t.db)));
  assert.equal(t.row.twilio_call_sid, null);
  assert.equal(t.row.status, 'queued');
});

Deno.test('a phone call or a finished call is rejected', async () => {
  const phone = callsTable(newRow({ mode: 'phone' }));
  await rejected(await handleBrowserTwiml(fetchTwiml(params()), deps(phone.db)));
  const done = callsTable(newRow({ status: 'completed' }));
  await rejected(await handleBrowserTwiml(fetchTwiml(params()), deps(done.db)));
  assert.deepEqual([phone.writes, done.writes], [[], []]);
});

Deno.test('a call already carried under another CallSid is rejected', async () => {
  const other = `CA${'b'.repeat(32)}`;
  const t = callsTable(newRow({ twilio_call_sid: other, status: 'in_progress' }));
  await rejected(await handleBrowserTwiml(fetchTwiml(params()), deps(t.db)));
  assert.equal(t.row.twilio_call_sid, other);
});

Deno.test('the owner\'s browser call is bound, answered and connected to the relay with a single-use token', async () => {
  const t = callsTable(newRow());
  const res = await handleBrowserTwiml(fetchTwiml(params()), deps(t.db));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/xml/);
  const body = await res.text();
  assert.match(body, /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Connect><Stream url="wss:\/\/relay\.callmeback\.test\/twilio\/stream">/);
  assert.match(body, new RegExp(`<Parameter name="call_id" value="${CALL}"/>`));
  assert.deepEqual([t.row.twilio_call_sid, t.row.status], [SID, 'in_progress']);
  const token = /name="stream_token" value="([^"]+)"/.exec(body)![1]!;
  const verifier = new HmacStreamTokenVerifier({ secret: SECRET });
  assert.deepEqual(await verifier.verify(token, `CA${'c'.repeat(32)}`), { ok: false, reason: 'call_sid_mismatch' });
  assert.deepEqual(await verifier.verify(token, SID), { ok: true, callId: CALL });
  assert.deepEqual(await verifier.verify(token, SID), { ok: false, reason: 'token_reused' });

  // Twilio retrying the same fetch gets a fresh token for the same CallSid.
  const again = await (await handleBrowserTwiml(fetchTwiml(params()), deps(t.db))).text();
  assert.match(again, /<Connect><Stream/);
});
