import assert from 'node:assert/strict';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { untouchable, untouchableDb } from '../_shared/fakes.ts';
import type { Queryable } from '../_shared/queryable.ts';
import type { AmdDeps } from './handler.ts';
import { handleTwilioAmd } from './handler.ts';

const PUBLIC = 'https://api.example';
const CALL_ID = '6a1c2f4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';
const SID = `CA${'a'.repeat(32)}`;

function verdict(params: Record<string, string>, sign = true, callId = CALL_ID): Request {
  const path = `/twilio-amd?call_id=${callId}`;
  const signature = getExpectedTwilioSignature('token', `${PUBLIC}/functions/v1${path}`, params);
  return new Request(`http://127.0.0.1:1${path}`, {
    method: 'POST', body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(sign ? { 'x-twilio-signature': signature } : {}) }
  });
}

/** A database answering record_answered_by with `outcome` and the persona lookup with Brad and Ada. */
function fakeDb(outcome: string, status = 'in_progress'): Queryable & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    query: (sql: string) => {
      queries.push(sql);
      const rows = sql.includes('record_answered_by') ? [{ outcome, call_status: status }] : [{ persona_name: 'Brad', first_name: 'Ada' }];
      return Promise.resolve({ rows, rowCount: rows.length }) as never;
    }
  };
}

function fakeTwilio(fail = false) {
  const redirects: { sid: string; twiml: string }[] = [];
  return {
    redirects,
    redirectCall: (sid: string, twiml: string) => {
      redirects.push({ sid, twiml });
      return fail ? Promise.reject(new Error('Twilio is down')) : Promise.resolve({ sid, status: 'in-progress', duration: null });
    }
  };
}

const deps = (db: AmdDeps['db'], twilio: AmdDeps['twilio']): AmdDeps => ({ db, publicApiUrl: PUBLIC, authTokens: ['token'], twilio });

Deno.test('an unsigned or wrongly signed verdict is refused before the database or Twilio is touched', async () => {
  const db = untouchableDb();
  const d = deps(db, untouchable('twilio'));
  assert.equal((await handleTwilioAmd(verdict({ CallSid: SID, AnsweredBy: 'machine_end_beep' }, false), d)).status, 403);
  const forged = verdict({ CallSid: SID, AnsweredBy: 'human' });
  const tampered = new Request(forged.url, { method: 'POST', headers: forged.headers, body: `CallSid=${SID}&AnsweredBy=machine_end_beep` });
  assert.equal((await handleTwilioAmd(tampered, d)).status, 403);
  assert.equal((await handleTwilioAmd(new Request(`http://x/twilio-amd?call_id=${CALL_ID}`), d)).status, 405);
  assert.deepEqual(db.queries, []);
});

Deno.test('a signed verdict with a bad call id, CallSid or AnsweredBy is refused with 400 naming the field', async () => {
  const d = deps(untouchableDb(), untouchable('twilio'));
  for (const [params, callId, field] of [
    [{ CallSid: SID, AnsweredBy: 'robot' }, CALL_ID, 'AnsweredBy'],
    [{ CallSid: 'CA1', AnsweredBy: 'human' }, CALL_ID, 'CallSid'],
    [{ CallSid: SID, AnsweredBy: 'human' }, 'not-a-uuid', 'call_id']
  ] as const) {
    const res = await handleTwilioAmd(verdict(params, true, callId), d);
    assert.equal(res.status, 400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, 'twilio_callback_invalid');
    assert.ok(error.message.startsWith(`${field} `), error.message);
  }
});

Deno.test('a human is recorded and the conversation goes on', async () => {
  const db = fakeDb('recorded');
  const twilio = fakeTwilio();
  const res = await handleTwilioAmd(verdict({ CallSid: SID, AnsweredBy: 'human' }), deps(db, twilio));
  assert.deepEqual(await res.json(), { outcome: 'recorded', answered_by: 'human', action: 'none' });
  assert.equal(twilio.redirects.length, 0);
});

Deno.test('a machine gets one short personal message and a hang-up in place of the conversation', async () => {
  const twilio = fakeTwilio();
  const res = await handleTwilioAmd(verdict({ CallSid: SID, AnsweredBy: 'machine_end_beep' }), deps(fakeDb('recorded'), twilio));
  assert.deepEqual(await res.json(), { outcome: 'recorded', answered_by: 'machine_end_beep', action: 'voicemail_message' });
  assert.equal(twilio.redirects.length, 1);
  assert.equal(twilio.redirects[0]!.sid, SID);
  assert.match(twilio.redirects[0]!.twiml, /^<\?xml[^>]*><Response><Say>Hi, Ada, it&apos;s Brad from Call Me Back\.[^<]*<\/Say><Hangup\/><\/Response>$/);
});

Deno.test('a fax is hung up without a message', async () => {
  const twilio = fakeTwilio();
  await handleTwilioAmd(verdict({ CallSid: SID, AnsweredBy: 'fax' }), deps(fakeDb('recorded'), twilio));
  assert.match(twilio.redirects[0]!.twiml, /<Response><Hangup\/><\/Response>/);
});

Deno.test('a repeated verdict, an unknown call or a call that already ended changes nothing at Twilio', async () => {
  for (const db of [fakeDb('duplicate'), fakeDb('unknown_call'), fakeDb('recorded', 'completed')]) {
    const res = await handleTwilioAmd(verdict({ CallSid: SID, AnsweredBy: 'machine_end_beep' }), deps(db, untouchable('twilio')));
    assert.equal(((await res.json()) as { action: string }).action, 'none');
  }
});

Deno.test('Twilio refusing the redirect is logged and acknowledged: the verdict stays recorded', async () => {
  const lines: string[] = [];
  const d = { ...deps(fakeDb('recorded'), fakeTwilio(true)), log: (l: string) => void lines.push(l) };
  const res = await handleTwilioAmd(verdict({ CallSid: SID, AnsweredBy: 'machine_end_silence' }), d);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { action: string }).action, 'redirect_failed');
  assert.match(lines[0]!, /could not redirect/);
});
