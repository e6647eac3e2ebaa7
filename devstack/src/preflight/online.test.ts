// The online checks against the vendors' stand-ins (their real paths, auth and error shapes) and a small project
// and relay: what passes, and that each broken piece is named with what to do.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLlmStandIn } from '../vendors/llm/server.ts';
import { startStripeStandIn } from '../vendors/stripe/server.ts';
import { startSttStandIn } from '../vendors/stt/server.ts';
import { startTtsStandIn } from '../vendors/tts/server.ts';
import { startTwilioStandIn } from '../vendors/twilio/server.ts';
import { formatFinding } from './findings.ts';
import { onlineChecks } from './online.ts';

const hex = (c: string) => c.repeat(32);
const PK = 'sb_publishable_online';
const SK = 'sb_secret_online';
const BRAD = 'TxGEqnHWrfWFTfGW9XjX';

describe('preflight, online', () => {
  const closers: (() => Promise<void>)[] = [];
  let env: Record<string, string>;
  let personas = [{ name: 'Brad', voice_id: BRAD }];

  beforeAll(async () => {
    // The project (Auth settings, REST personas) and the relay's health check, on one small server.
    const project: Server = createServer((req, res) => {
      const key = req.headers.apikey;
      const path = (req.url ?? '').split('?')[0];
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (path === '/healthz') return send(200, { ok: true });
      if (path === '/auth/v1/settings') return key === PK || key === SK ? send(200, { external: {} }) : send(401, { message: 'Invalid API key' });
      if (path === '/rest/v1/personas') return key === SK ? send(200, personas) : send(401, { message: 'Invalid API key' });
      send(404, { message: 'no route' });
    });
    await new Promise<void>((r) => project.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise((r) => project.close(() => r())));
    const api = `http://127.0.0.1:${(project.address() as AddressInfo).port}`;

    const stripe = await startStripeStandIn({ port: 0, webhookUrl: `${api}/functions/v1/stripe-webhook`, webhookSecret: 'whsec_online', secretKey: 'sk_test_online', log: () => undefined });
    const twilio = await startTwilioStandIn({
      port: 0, accountSid: `AC${hex('a')}`, authToken: 'tw-token', verifyServiceSid: `VA${hex('b')}`, log: () => undefined, phoneNumbers: ['+15005550006'],
      apiKey: { sid: `SK${hex('c')}`, secret: 'tw-key-secret' },
      twimlApp: { sid: `AP${hex('d')}`, voiceUrl: `${api}/functions/v1/twilio-browser-twiml`, statusCallback: `${api}/functions/v1/twilio-status` }
    });
    const stt = await startSttStandIn({ apiKey: 'dg-online' });
    const tts = await startTtsStandIn({ apiKey: 'el-online' });
    const llm = await startLlmStandIn({ apiKey: 'llm-online' });
    closers.push(stripe.close, twilio.close, stt.close, tts.close, llm.close);

    env = {
      SUPABASE_URL: api, SUPABASE_PUBLISHABLE_KEY: PK, SUPABASE_SECRET_KEY: SK, PUBLIC_SUPABASE_URL: api, PUBLIC_SUPABASE_PUBLISHABLE_KEY: PK,
      PUBLIC_API_URL: api, SITE_URL: 'http://127.0.0.1:9', STRIPE_API_BASE: stripe.url, STRIPE_SECRET_KEY: 'sk_test_online', STRIPE_WEBHOOK_SECRET: 'whsec_online',
      TWILIO_API_BASE: twilio.url, TWILIO_ACCOUNT_SID: `AC${hex('a')}`, TWILIO_AUTH_TOKEN: 'tw-token', TWILIO_VERIFY_SERVICE_SID: `VA${hex('b')}`,
      TWILIO_FROM_NUMBER: '+15005550006', TWILIO_API_KEY_SID: `SK${hex('c')}`, TWILIO_API_KEY_SECRET: 'tw-key-secret', TWILIO_TWIML_APP_SID: `AP${hex('d')}`,
      RELAY_STREAM_URL: `${api.replace('http', 'ws')}/twilio/stream`, RELAY_STREAM_TOKEN_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgresql://127.0.0.1:9/postgres',
      DEEPGRAM_BASE_URL: stt.url, DEEPGRAM_API_KEY: 'dg-online', ELEVENLABS_BASE_URL: tts.url, ELEVENLABS_API_KEY: 'el-online',
      LLM_BASE_URL: `${llm.url}/v1`, LLM_API_KEY: 'llm-online', LLM_FALLBACK_BASE_URL: `${llm.url}/v1`, LLM_FALLBACK_API_KEY: 'llm-online'
    };
  });
  afterAll(async () => {
    for (const close of closers) await close();
  });

  const run = async (overrides: Record<string, string> = {}) => {
    const r = await onlineChecks({ ...env, ...overrides }, { fetch, timeoutMs: 5000 });
    return { lines: r.findings.map(formatFinding), passed: r.passed };
  };

  it('passes every service that answers as configured', async () => {
    const { lines, passed } = await run();
    expect(lines).toEqual([]);
    for (const what of [/^Supabase Auth/, /^Supabase REST .*1 personas/, /^Stripe accepts STRIPE_SECRET_KEY \(test mode\)/, /^Stripe sends the product's events/,
      /^Twilio accepts TWILIO_ACCOUNT_SID/, /^Twilio Verify service found/, /^Twilio number \+15005550006/, /^Twilio TwiML App calls this project back/,
      /^Twilio accepts the API key/, /^Deepgram accepts/, /^ElevenLabs accepts .* every voice/, /^Cerebras accepts LLM_API_KEY and serves gpt-oss-120b/,
      /^OpenAI accepts LLM_FALLBACK_API_KEY and serves gpt-6-luna/, /^the relay answers at http:\/\/127\.0\.0\.1:\d+\/healthz/]) {
      expect(passed.some((p) => what.test(p)), String(what)).toBe(true);
    }
  });

  it('names each key a service refuses', async () => {
    const { lines } = await run({
      SUPABASE_SECRET_KEY: 'sb_secret_wrong', STRIPE_SECRET_KEY: 'sk_test_wrong', TWILIO_AUTH_TOKEN: 'wrong', DEEPGRAM_API_KEY: 'wrong', ELEVENLABS_API_KEY: 'wrong', LLM_API_KEY: 'wrong'
    });
    for (const start of ['✗ SUPABASE_SECRET_KEY was refused', '✗ STRIPE_SECRET_KEY was refused by Stripe', '✗ TWILIO_AUTH_TOKEN: Twilio refused TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN',
      '✗ DEEPGRAM_API_KEY was refused', '✗ ELEVENLABS_API_KEY was refused', '✗ LLM_API_KEY was refused by Cerebras']) {
      expect(lines.filter((l) => l.startsWith(start)), start).toHaveLength(1);
    }
    expect(lines.join('\n')).not.toMatch(/sb_secret_wrong|sk_test_wrong/);
  });

  it('wants Stripe\'s webhook and Twilio\'s TwiML App to call this project back, and the from-number to be the account\'s', async () => {
    const { lines } = await run({ PUBLIC_API_URL: 'https://elsewhere.example.com', TWILIO_FROM_NUMBER: '+14155550100' });
    expect(lines).toContainEqual(expect.stringMatching(/^✗ STRIPE_WEBHOOK_SECRET: no Stripe webhook endpoint \(test mode\) sends to https:\/\/elsewhere\.example\.com\/functions\/v1\/stripe-webhook: add one .*checkout\.session\.completed/));
    expect(lines).toContainEqual(expect.stringMatching(/^✗ TWILIO_TWIML_APP_SID: the TwiML App AP[d]{32} must have Voice URL https:\/\/elsewhere\.example\.com\/functions\/v1\/twilio-browser-twiml \(POST\) and Status Callback URL/));
    expect(lines).toContainEqual(expect.stringMatching(/^✗ TWILIO_FROM_NUMBER: \+14155550100 is not a number of this Twilio account/));
  });

  it('names a model the vendor does not serve, a voice the account lacks and a relay that does not answer', async () => {
    personas = [{ name: 'Brad', voice_id: BRAD }, { name: 'Ghost', voice_id: 'NotAVoiceOfThisAccount' }];
    try {
      // A port nothing listens on any more.
      const gone = createServer();
      await new Promise<void>((r) => gone.listen(0, '127.0.0.1', () => r()));
      const port = (gone.address() as AddressInfo).port;
      await new Promise((r) => gone.close(r));
      const { lines } = await run({ LLM_MODEL: 'llama3.1-8b', RELAY_STREAM_URL: `ws://127.0.0.1:${port}/twilio/stream`, TWILIO_VERIFY_SERVICE_SID: `VA${hex('0')}` });
      expect(lines).toContainEqual(expect.stringMatching(/^✗ LLM_MODEL: Cerebras does not serve llama3\.1-8b to this key \(it serves .*gpt-oss-120b.*\): set LLM_MODEL to one of them\.$/));
      expect(lines).toContainEqual('✗ ELEVENLABS_API_KEY: the ElevenLabs account of ELEVENLABS_API_KEY has no voice NotAVoiceOfThisAccount (persona Ghost): add it to the account\'s voices, or change the persona\'s voice_id.');
      expect(lines).toContainEqual(`✗ RELAY_STREAM_URL: the relay does not answer at http://127.0.0.1:${port}/healthz (ECONNREFUSED): start it there, or set RELAY_STREAM_URL to its public address.`);
      expect(lines).toContainEqual(expect.stringMatching(/^✗ TWILIO_VERIFY_SERVICE_SID: this Twilio account has no Verify service VA0{32} \(404/));
    } finally {
      personas = [{ name: 'Brad', voice_id: BRAD }];
    }
  });
});
