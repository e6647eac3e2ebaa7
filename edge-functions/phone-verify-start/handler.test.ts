import assert from 'node:assert/strict';
import { errorCode, liveSession, untouchable, untouchableDb } from '../_shared/fakes.ts';
import type { TwilioClient } from '../_shared/twilio_client.ts';
import { handleVerifyStart } from './handler.ts';

const s = liveSession();
const post = (body: unknown) => new Request('http://x/phone-verify-start', { method: 'POST', body: JSON.stringify(body), headers: { authorization: s.authorization } });

Deno.test('premium, shared-cost, foreign and malformed numbers are refused before any lookup or text is sent', async () => {
  const cases: [string, string][] = [
    ['+19005551234', 'phone_type_not_allowed'],
    ['+448712345678', 'phone_type_not_allowed'],
    ['+2348031234567', 'phone_country_not_allowed'],
    ['0800 CALL NOW', 'phone_invalid'],
    ['+1'.padEnd(40, '5'), 'phone_invalid']
  ];
  for (const [number, code] of cases) {
    const res = await handleVerifyStart(post({ phone_number: number }), {
      session: s.deps, db: untouchableDb(), twilio: untouchable<Pick<TwilioClient, 'startVerification'>>('twilio')
    });
    assert.equal(await errorCode(res), code, number);
  }
});
