// What a preflight reads from the vendors, as the stand-ins answer it: the real paths, the real authentication, the
// real error shapes (Stripe through its own SDK).
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeStandIn, type StripeStandIn } from './stripe/server.ts';
import { startSttStandIn, type StandIn } from './stt/server.ts';
import { startTwilioStandIn } from './twilio/server.ts';

const ACCOUNT = `AC${'a'.repeat(32)}`;
const TOKEN = 'twilio-token';
const VERIFY = `VA${'b'.repeat(32)}`;
const KEY_SID = `SK${'c'.repeat(32)}`;
const APP = `AP${'d'.repeat(32)}`;
const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('Stripe stand-in: balance and webhook endpoints', () => {
  let stand: StripeStandIn;
  const sdk = (key: string) => new Stripe(key, { host: '127.0.0.1', port: stand.port, protocol: 'http', maxNetworkRetries: 0 });
  beforeAll(async () => {
    stand = await startStripeStandIn({ port: 0, webhookUrl: 'http://127.0.0.1:9/functions/v1/stripe-webhook', webhookSecret: 'whsec_x', secretKey: 'sk_test_pf', log: () => undefined });
  });
  afterAll(() => stand.close());

  it('says the account is in test mode and lists its endpoint, subscribed to every event', async () => {
    expect(await sdk('sk_test_pf').balance.retrieve()).toMatchObject({ object: 'balance', livemode: false });
    const list = await sdk('sk_test_pf').webhookEndpoints.list({ limit: 100 });
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({ object: 'webhook_endpoint', url: 'http://127.0.0.1:9/functions/v1/stripe-webhook', enabled_events: ['*'], status: 'enabled', livemode: false });
    expect((await sdk('sk_test_pf').webhookEndpoints.retrieve(list.data[0]!.id)).url).toBe(list.data[0]!.url);
    await expect(sdk('sk_test_pf').webhookEndpoints.retrieve('we_missing')).rejects.toMatchObject({ code: 'resource_missing' });
  });

  it('refuses another key', async () => {
    await expect(sdk('sk_test_other').balance.retrieve()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });
});

describe('Twilio stand-in: account, Verify service, numbers, TwiML App', () => {
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const stand = await startTwilioStandIn({
      port: 0, accountSid: ACCOUNT, authToken: TOKEN, verifyServiceSid: VERIFY, log: () => undefined, phoneNumbers: ['+15005550006'],
      apiKey: { sid: KEY_SID, secret: 'key-secret' },
      twimlApp: { sid: APP, voiceUrl: 'https://p.example/functions/v1/twilio-browser-twiml', statusCallback: 'https://p.example/functions/v1/twilio-status' }
    });
    url = stand.url;
    close = stand.close;
  });
  afterAll(() => close());
  const get = async (path: string, auth = basic(ACCOUNT, TOKEN)) => {
    const r = await fetch(`${url}${path}`, { headers: auth });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it('answers the account to its auth token and to its API key, and nobody else', async () => {
    expect(await get(`/2010-04-01/Accounts/${ACCOUNT}.json`)).toMatchObject({ status: 200, body: { sid: ACCOUNT, status: 'active' } });
    expect((await get(`/2010-04-01/Accounts/${ACCOUNT}.json`, basic(KEY_SID, 'key-secret'))).status).toBe(200);
    expect(await get(`/2010-04-01/Accounts/${ACCOUNT}.json`, basic(KEY_SID, 'wrong'))).toMatchObject({ status: 401, body: { code: 20003 } });
    expect(await get(`/2010-04-01/Accounts/AC${'9'.repeat(32)}.json`)).toMatchObject({ status: 404, body: { code: 20404 } });
  });

  it('finds the account\'s number by PhoneNumber, and not another', async () => {
    const own = await get(`/2010-04-01/Accounts/${ACCOUNT}/IncomingPhoneNumbers.json?PhoneNumber=%2B15005550006`);
    expect(own.body.incoming_phone_numbers).toEqual([expect.objectContaining({ phone_number: '+15005550006', capabilities: expect.objectContaining({ voice: true }) })]);
    const other = await get(`/2010-04-01/Accounts/${ACCOUNT}/IncomingPhoneNumbers.json?PhoneNumber=%2B14155550100`);
    expect(other.body.incoming_phone_numbers).toEqual([]);
  });

  it('shows the TwiML App\'s callbacks and the Verify service', async () => {
    expect((await get(`/2010-04-01/Accounts/${ACCOUNT}/Applications/${APP}.json`)).body).toMatchObject({
      sid: APP, voice_url: 'https://p.example/functions/v1/twilio-browser-twiml', voice_method: 'POST',
      status_callback: 'https://p.example/functions/v1/twilio-status', status_callback_method: 'POST'
    });
    expect((await get(`/2010-04-01/Accounts/${ACCOUNT}/Applications/AP${'0'.repeat(32)}.json`)).status).toBe(404);
    expect(await get(`/v2/Services/${VERIFY}`)).toMatchObject({ status: 200, body: { sid: VERIFY, account_sid: ACCOUNT } });
    expect((await get(`/v2/Services/VA${'0'.repeat(32)}`)).status).toBe(404);
  });
});

describe('Deepgram stand-in: projects', () => {
  let stt: StandIn;
  beforeAll(async () => {
    stt = await startSttStandIn({ apiKey: 'dg-key' });
  });
  afterAll(() => stt.close());

  it('lists the key\'s project, and refuses another key as Deepgram does', async () => {
    const http = stt.url.replace(/^ws/, 'http');
    const ok = await fetch(`${http}/v1/projects`, { headers: { Authorization: 'Token dg-key' } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { projects: { name: string }[] }).projects).toHaveLength(1);
    const bad = await fetch(`${http}/v1/projects`, { headers: { Authorization: 'Token other' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ err_code: 'INVALID_AUTH' });
  });
});
