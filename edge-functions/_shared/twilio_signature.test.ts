import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { checkTwilioSignature, signedUrl, type SignatureCheck } from './twilio_signature.ts';

function refused(r: SignatureCheck) {
  if (r.ok) throw new Error('expected the request to be refused');
  return r;
}

const TOKEN = '12345';
const sign = (url: string, params: [string, string][]) => {
  const data = [...params].sort(([a, av], [b, bv]) => (a === b ? av.localeCompare(bv) : a < b ? -1 : 1)).reduce((acc, [k, v]) => acc + k + v, url);
  return createHmac('sha1', TOKEN).update(data).digest('base64');
};
const form = (params: [string, string][]) => new URLSearchParams(params).toString();
const request = (url: string, body: string, headers: Record<string, string>) =>
  new Request(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

const vectorParams: [string, string][] = [
  ['CallSid', 'CA1234567890ABCDE'], ['Caller', '+12349013030'], ['Digits', '1234'], ['From', '+12349013030'], ['To', '+18005551212']
];
const vectorUrl = 'https://mycompany.com/myapp.php?foo=1&bar=2';

Deno.test('TW-01: the documented known vector validates', async () => {
  assert.deepEqual(sign(vectorUrl, vectorParams), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  const r = await checkTwilioSignature(request('http://internal/x', form(vectorParams), { 'x-twilio-signature': '0/KCTR6DLpKmkAf8muzZqo1nDgQ=' }), vectorUrl, [TOKEN]);
  assert.ok(r.ok);
});

Deno.test('TW-02: a missing signature is refused before the body is read', async () => {
  const r = await checkTwilioSignature(request('http://internal/x', form(vectorParams), {}), vectorUrl, [TOKEN]);
  const f = refused(r);
  assert.deepEqual([f.status, f.code], [403, 'twilio_signature_missing']);
});

Deno.test('TW-03: a tampered parameter is refused', async () => {
  const tampered = vectorParams.map(([k, v]): [string, string] => (k === 'Digits' ? [k, '9999'] : [k, v]));
  const r = await checkTwilioSignature(request('http://internal/x', form(tampered), { 'x-twilio-signature': sign(vectorUrl, vectorParams) }), vectorUrl, [TOKEN]);
  assert.deepEqual(refused(r).status, 403);
});

Deno.test('TW-04: an unsigned extra query parameter is refused', async () => {
  const r = await checkTwilioSignature(request('http://internal/x', form(vectorParams), { 'x-twilio-signature': sign(vectorUrl, vectorParams) }), `${vectorUrl}&extra=1`, [TOKEN]);
  assert.ok(!r.ok);
});

Deno.test('TW-05: the signed URL comes from the configured origin, never from forwarded headers', () => {
  const req = new Request('http://10.0.0.5:9000/twilio-status?call=abc%20d+e', { headers: { 'x-forwarded-host': 'evil.example', forwarded: 'host=evil.example' } });
  assert.deepEqual(signedUrl('https://api.callmeback.app/', req, '/functions/v1'), 'https://api.callmeback.app/functions/v1/twilio-status?call=abc%20d+e');
});

Deno.test('TW-06: the raw query is preserved, with + and %20 as sent', async () => {
  const url = 'https://api.example/functions/v1/twilio-status?call_id=a+b&note=c%20d';
  const r = await checkTwilioSignature(request('http://internal/x', form(vectorParams), { 'x-twilio-signature': sign(url, vectorParams) }), url, [TOKEN]);
  assert.ok(r.ok);
});

Deno.test('TW-07: a URL signed with the default port validates without it and vice versa', async () => {
  const withPort = 'https://api.example:443/functions/v1/twilio-status';
  const r = await checkTwilioSignature(request('http://internal/x', form(vectorParams), { 'x-twilio-signature': sign(withPort, vectorParams) }), 'https://api.example/functions/v1/twilio-status', [TOKEN]);
  assert.ok(r.ok);
  const other = await checkTwilioSignature(request('http://internal/x', form(vectorParams), { 'x-twilio-signature': sign('https://api.example:8443/functions/v1/twilio-status', vectorParams) }), 'https://api.example/functions/v1/twilio-status', [TOKEN]);
  assert.ok(!other.ok);
});

Deno.test('TW-08: repeated keys, whitespace and empty values are signed as sent', async () => {
  const params: [string, string][] = [['Key', 'b'], ['Key', 'a'], ['Spaced', ' b '], ['Empty', '']];
  const url = 'https://api.example/hook';
  const r = await checkTwilioSignature(request('http://internal/x', form(params), { 'x-twilio-signature': sign(url, params) }), url, [TOKEN]);
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual(r.params.Spaced, ' b ');
});

Deno.test('TW-09: a JSON body must match bodySHA256, signed over the URL alone', async () => {
  const body = JSON.stringify({ CallSid: 'CA1', CallStatus: 'completed' });
  const url = `https://api.example/hook?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
  const sig = createHmac('sha1', TOKEN).update(url).digest('base64');
  const ok = await checkTwilioSignature(new Request('http://internal/x', { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-twilio-signature': sig } }), url, [TOKEN]);
  assert.ok(ok.ok);
  const changed = await checkTwilioSignature(new Request('http://internal/x', { method: 'POST', body: body.replace('completed', 'busy'), headers: { 'content-type': 'application/json', 'x-twilio-signature': sig } }), url, [TOKEN]);
  assert.ok(!changed.ok);
});

Deno.test('TW-10: wrong content type → 415, oversized body → 413', async () => {
  const xml = await checkTwilioSignature(new Request('http://internal/x', { method: 'POST', body: '<x/>', headers: { 'content-type': 'text/xml', 'x-twilio-signature': 'x' } }), 'https://api.example/hook', [TOKEN]);
  assert.deepEqual(xml.ok ? 0 : xml.status, 415);
  const big = await checkTwilioSignature(request('http://internal/x', 'a='.padEnd(1_000_000, 'x'), { 'x-twilio-signature': 'x' }), 'https://api.example/hook', [TOKEN]);
  assert.deepEqual(big.ok ? 0 : big.status, 413);
});

Deno.test('TW-11: no configured token refuses to validate anything', async () => {
  let threw = false;
  try {
    await checkTwilioSignature(request('http://internal/x', '', { 'x-twilio-signature': 'x' }), 'https://api.example/hook', ['']);
  } catch {
    threw = true;
  }
  assert.ok(threw);
});

Deno.test('TW-12/13: a rotated token list validates with either token; a short header is simply false', async () => {
  const url = 'https://api.example/hook';
  const r = await checkTwilioSignature(request('http://internal/x', form(vectorParams), { 'x-twilio-signature': sign(url, vectorParams) }), url, ['old-token', TOKEN]);
  assert.ok(r.ok);
  const short = await checkTwilioSignature(request('http://internal/x', form(vectorParams), { 'x-twilio-signature': 'abc' }), url, [TOKEN]);
  assert.ok(!short.ok);
});
