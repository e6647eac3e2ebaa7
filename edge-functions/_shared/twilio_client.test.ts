import assert from 'node:assert/strict';
import { TwilioApiError, twilioClient } from './twilio_client.ts';

const cfg = { accountSid: 'ACx', authToken: 'tok', apiBase: 'https://api.example/', verifyBase: 'https://verify.example', verifyServiceSid: 'VAx' };

function recorder(status = 201, body: unknown = { sid: 'CA1', status: 'queued', duration: null }) {
  const seen: { url: string; init: RequestInit }[] = [];
  const f = ((url: string, init: RequestInit) => {
    seen.push({ url, init });
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  }) as unknown as typeof fetch;
  return { seen, f };
}

Deno.test('SC-06: createCall sends each status callback event as its own parameter, with Timeout and TimeLimit', async () => {
  const { seen, f } = recorder();
  await twilioClient(cfg, f).createCall({ to: '+14155550100', from: '+15005550006', url: 'https://x/twiml', statusCallback: 'https://x/status', timeout: 25, timeLimit: 300 });
  assert.equal(seen[0]!.url, 'https://api.example/2010-04-01/Accounts/ACx/Calls.json');
  const form = new URLSearchParams(String(seen[0]!.init.body));
  assert.deepEqual(form.getAll('StatusCallbackEvent'), ['initiated', 'ringing', 'answered', 'completed']);
  assert.equal(form.get('Timeout'), '25');
  assert.equal(form.get('TimeLimit'), '300');
  assert.equal((seen[0]!.init.headers as Record<string, string>).Authorization, `Basic ${btoa('ACx:tok')}`);
});

Deno.test('asks for async answering-machine detection when requested', async () => {
  const { seen, f } = recorder();
  await twilioClient(cfg, f).createCall({ to: '+1', from: '+1', url: 'u', statusCallback: 's', timeout: 20, timeLimit: 60, machineDetection: true, asyncAmdStatusCallback: 'https://x/amd' });
  const form = new URLSearchParams(String(seen[0]!.init.body));
  assert.equal(form.get('AsyncAmd'), 'true');
  assert.equal(form.get('AsyncAmdStatusCallback'), 'https://x/amd');
});

Deno.test('Twilio errors keep their numeric code', async () => {
  const { f } = recorder(400, { code: 21211, message: "Invalid 'To' Phone Number" });
  await assert.rejects(() => twilioClient(cfg, f).startVerification('+1'), (e: unknown) => e instanceof TwilioApiError && e.twilioCode === 21211 && e.status === 400);
});

Deno.test('redirectCall replaces the call\'s TwiML with a Twiml parameter on the call resource', async () => {
  const { seen, f } = recorder(200);
  await twilioClient(cfg, f).redirectCall('CA1', '<Response><Hangup/></Response>');
  assert.equal(seen[0]!.url, 'https://api.example/2010-04-01/Accounts/ACx/Calls/CA1.json');
  assert.equal(seen[0]!.init.method, 'POST');
  assert.equal(new URLSearchParams(String(seen[0]!.init.body)).get('Twiml'), '<Response><Hangup/></Response>');
});
