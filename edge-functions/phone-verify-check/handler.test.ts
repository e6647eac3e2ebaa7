import assert from 'node:assert/strict';
import { errorCode, liveSession, untouchable, untouchableDb } from '../_shared/fakes.ts';
import type { TwilioClient } from '../_shared/twilio_client.ts';
import { handleVerifyCheck } from './handler.ts';

const s = liveSession();
const post = (body: unknown) => new Request('http://x/phone-verify-check', { method: 'POST', body: JSON.stringify(body), headers: { authorization: s.authorization } });

Deno.test('a code that is not six digits is refused without spending an attempt', async () => {
  for (const code of ['12345', '1234567', 'abcdef', '']) {
    const res = await handleVerifyCheck(post({ phone_number: '+14155552671', code }), {
      session: s.deps, db: untouchableDb(), twilio: untouchable<Pick<TwilioClient, 'checkVerification'>>('twilio')
    });
    assert.equal(await errorCode(res), 'otp_invalid', code);
  }
});
