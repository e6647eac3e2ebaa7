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
