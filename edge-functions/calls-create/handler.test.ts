import assert from 'node:assert/strict';
import { errorCode, liveSession, untouchable, untouchableDb } from '../_shared/fakes.ts';
import type { TwilioClient } from '../_shared/twilio_client.ts';
import { handleCallsCreate, type CallsCreateDeps } from './handler.ts';

const s = liveSession();
const deps = (): CallsCreateDeps => ({
  session: s.deps, db: untouchableDb() as unknown as CallsCreateDeps['db'], twilio: untouchable<Pick<TwilioClient, 'createCall'>>('twilio'),
  publicApiUrl: 'https://api.example', twilioFromNumber: '+15005550006', demoMode: true
});
const post = (body: string, authorization: string | null = s.authorization) =>
  new Request('http://x/calls-create', { method: 'POST', body, headers: authorization ? { authorization } : {} });

Deno.test('bad requests are refused with a stable code before any database or Twilio work', async () => {
  const cases: [string, string][] = [
    ['{not json', 'invalid_input'],
    ['[]', 'invalid_input'],
    ['{"mode":"phone"}', 'persona_not_found'],
    ['{"persona_id":"a0000000-0000-4000-8000-000000000001","mode":"phone"}', 'number_not_verified'],
    ['{"persona_id":"a0000000-0000-4000-8000-000000000001","mode":"browser","max_duration_minutes":45}', 'invalid_input'],
    ['{"persona_id":"a0000000-0000-4000-8000-000000000001","mode":"browser","payment_method":"iou"}', 'invalid_input'],
    [JSON.stringify({ persona_id: 'a0000000-0000-4000-8000-000000000001', mode: 'browser', custom_instructions: 'x'.repeat(1001) }), 'invalid_input']
  ];
  for (const [body, code] of cases) assert.equal(await errorCode(await handleCallsCreate(post(body), deps())), code, body);
});

Deno.test('without a session nothing happens', async () => {
  const res = await handleCallsCreate(post('{}', null), deps());
  assert.equal(res.status, 401);
  assert.equal(await errorCode(res), 'unauthenticated');
});
