import assert from 'node:assert/strict';
import { errorCode, liveSession, untouchable, untouchableDb } from '../_shared/fakes.ts';
import type { TwilioClient } from '../_shared/twilio_client.ts';
import { handleCallsCancel, type CallsCancelDeps } from './handler.ts';

const s = liveSession();

Deno.test('a malformed call id is not found, without touching the database or Twilio', async () => {
  const deps: CallsCancelDeps = { session: s.deps, db: untouchableDb() as unknown as CallsCancelDeps['db'], twilio: untouchable<Pick<TwilioClient, 'hangUp'>>('twilio') };
  const res = await handleCallsCancel(new Request('http://x/calls-cancel', { method: 'POST', body: '{"call_id":"1 or 1=1"}', headers: { authorization: s.authorization } }), deps);
  assert.equal(await errorCode(res), 'call_not_found');
});
