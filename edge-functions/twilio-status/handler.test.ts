import assert from 'node:assert/strict';
import { untouchableDb } from '../_shared/fakes.ts';
import { handleTwilioStatus } from './handler.ts';

const deps = () => ({ db: untouchableDb(), publicApiUrl: 'https://api.example', authTokens: ['token'] });
const form = (headers: Record<string, string> = {}) =>
  new Request('http://x/twilio-status', { method: 'POST', body: 'CallSid=CA1&CallStatus=completed', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

Deno.test('unsigned or wrongly signed callbacks are refused before the database is read', async () => {
  const d = deps();
  assert.equal((await handleTwilioStatus(form(), d)).status, 403);
  assert.equal((await handleTwilioStatus(form({ 'x-twilio-signature': 'AAAA' }), d)).status, 403);
  assert.deepEqual(d.db.queries, []);
});

Deno.test('only POST is accepted', async () => {
  const d = deps();
  assert.equal((await handleTwilioStatus(new Request('http://x/twilio-status'), d)).status, 405);
  assert.deepEqual(d.db.queries, []);
});

Deno.test('SC-07: when applying is slow, a stored callback is answered within the budget and finished in the background', async () => {
  const { getExpectedTwilioSignature } = await import('twilio/lib/webhooks/webhooks.js');
  const params = { CallSid: `CA${'b'.repeat(32)}`, CallStatus: 'completed', SequenceNumber: '3', CallDuration: '30' };
  const signed = new Request('http://x/twilio-status', {
    method: 'POST', body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature('token', 'https://api.example/functions/v1/twilio-status', params) }
  });
  let release!: () => void;
  const blocked = new Promise<void>((r) => { release = r; });
  const seen: string[] = [];
  const db = {
    query: async (sql: string) => {
      seen.push(sql);
      if (sql.includes('store_twilio_status')) return { rows: [{ id: '7' }], rowCount: 1 };
      if (sql.includes('apply_stored_twilio_status')) {
        await blocked;
        return { rows: [{ outcome: 'applied', call_id: 'call-1', call_status: 'completed' }], rowCount: 1 };
      }
      return { rows: [{ s: 'settled' }], rowCount: 1 };
    }
  } as unknown as Parameters<typeof handleTwilioStatus>[1]['db'];
  const background: Promise<unknown>[] = [];
  const res = await handleTwilioStatus(signed, { ...deps(), db, ackWithinMs: 20, background: (w) => void background.push(w) });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { outcome: string }).outcome, 'stored');
  assert.equal(background.length, 1);
  assert.ok(!seen.some((q) => q.includes('settle_finished_call')), 'not settled yet');
  release();
  await background[0];
  assert.ok(seen.some((q) => q.includes('settle_finished_call')), 'settled once applying finished');
});

Deno.test('a signed callback with a malformed field is refused with 400 naming it, and nothing is stored', async () => {
  const { getExpectedTwilioSignature } = await import('twilio/lib/webhooks/webhooks.js');
  const good = { CallSid: `CA${'b'.repeat(32)}`, CallStatus: 'completed', SequenceNumber: '3', CallDuration: '30' };
  for (const [over, field] of [
    [{ SequenceNumber: '2147483648' }, 'SequenceNumber'],
    [{ SequenceNumber: '-1' }, 'SequenceNumber'],
    [{ SequenceNumber: '1.5' }, 'SequenceNumber'],
    [{ SequenceNumber: '' }, 'SequenceNumber'],
    [{ CallDuration: 'NaN' }, 'CallDuration'],
    [{ CallDuration: '99999999999' }, 'CallDuration'],
    [{ CallDuration: '1e3' }, 'CallDuration'],
    [{ CallSid: 'CA1' }, 'CallSid'],
    [{ CallStatus: 'exploded' }, 'CallStatus'],
    [{ AnsweredBy: 'human\u0000' }, 'AnsweredBy']
  ] as const) {
    const params: Record<string, string> = { ...good, ...over };
    const req = new Request('http://x/twilio-status', {
      method: 'POST', body: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': getExpectedTwilioSignature('token', 'https://api.example/functions/v1/twilio-status', params) }
    });
    const d = deps();
    const res = await handleTwilioStatus(req, d);
    assert.equal(res.status, 400, JSON.stringify(over));
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, 'twilio_callback_invalid');
    assert.ok(error.message.startsWith(`${field} `), error.message);
    assert.deepEqual(d.db.queries, []);
  }
});
