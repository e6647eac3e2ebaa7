import assert from 'node:assert/strict';
import { untouchableDb } from '../_shared/fakes.ts';
import { handleTwiml } from './handler.ts';

const deps = () => ({
  db: untouchableDb(), publicApiUrl: 'https://api.example', authTokens: ['token'],
  relayStreamUrl: 'wss://relay.example/twilio/stream', streamTokenSecret: 'secret-secret-secret-secret-secret'
});

Deno.test('an unsigned TwiML fetch gets 403 and no stream token, without touching the database', async () => {
  const d = deps();
  const res = await handleTwiml(new Request('http://x/twilio-twiml?call_id=00000000-0000-4000-8000-000000000000', {
    method: 'POST', body: 'CallSid=CA1', headers: { 'content-type': 'application/x-www-form-urlencoded' }
  }), d);
  assert.equal(res.status, 403);
  assert.doesNotMatch(await res.text(), /stream_token/);
  assert.deepEqual(d.db.queries, []);
});
