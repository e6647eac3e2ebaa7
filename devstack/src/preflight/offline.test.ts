import { describe, expect, it } from 'vitest';
import { formatFinding } from './findings.ts';
import { isLoopback, offlineChecks } from './offline.ts';

const hex = (c: string) => c.repeat(32);

/** A production configuration as an operator writes it: every process's settings in one file. */
export const PRODUCTION: Record<string, string> = {
  SUPABASE_URL: 'https://abcdefghij.supabase.co',
  SUPABASE_PUBLISHABLE_KEY: 'sb_publishable_Abc123',
  SUPABASE_SECRET_KEY: 'sb_secret_Xyz789',
  PUBLIC_SUPABASE_URL: 'https://abcdefghij.supabase.co',
  PUBLIC_SUPABASE_PUBLISHABLE_KEY: 'sb_publishable_Abc123',
  PUBLIC_API_URL: 'https://abcdefghij.supabase.co',
  SITE_URL: 'https://callmeback.example.com',
  ORIGIN: 'https://callmeback.example.com',
  TWILIO_ACCOUNT_SID: `AC${hex('a')}`,
  TWILIO_AUTH_TOKEN: hex('f'),
  TWILIO_VERIFY_SERVICE_SID: `VA${hex('b')}`,
  TWILIO_FROM_NUMBER: '+14155550123',
  TWILIO_API_KEY_SID: `SK${hex('c')}`,
  TWILIO_API_KEY_SECRET: 'twilio-api-key-secret',
  TWILIO_TWIML_APP_SID: `AP${hex('d')}`,
  RELAY_STREAM_URL: 'wss://relay.callmeback.example.com/twilio/stream',
  RELAY_STREAM_TOKEN_SECRET: 's'.repeat(40),
  DATABASE_URL: 'postgresql://postgres.abcdefghij:pw@aws-0-eu-west-1.pooler.supabase.com:5432/postgres',
  STRIPE_SECRET_KEY: 'sk_live_51Abc',
  STRIPE_WEBHOOK_SECRET: 'whsec_Abc123',
  STRIPE_LIVE_MODE: 'true',
  DEEPGRAM_API_KEY: 'dg-key',
  ELEVENLABS_API_KEY: 'el-key',
  CEREBRAS_API_KEY: 'csk-abc',
  OPENAI_API_KEY: 'sk-proj-abc'
};

const check = (env: Record<string, string | undefined>, local = false) => offlineChecks(env, { local }).map(formatFinding);
const without = (name: string) => Object.fromEntries(Object.entries(PRODUCTION).filter(([k]) => k !== name));

describe('preflight, offline', () => {
  it('accepts a complete production configuration', () => {
    expect(check(PRODUCTION)).toEqual([]);
  });

  it('refuses a configuration without STRIPE_WEBHOOK_SECRET, naming it and what to do', () => {
    expect(check(without('STRIPE_WEBHOOK_SECRET'))).toEqual([
      '✗ STRIPE_WEBHOOK_SECRET is required: signing secret (whsec_…) of the webhook endpoint <PUBLIC_API_URL>/functions/v1/stripe-webhook.'
    ]);
  });

  it('refuses an http:// public API URL, and loopback addresses outside --local', () => {
    expect(check({ ...PRODUCTION, PUBLIC_API_URL: 'http://abcdefghij.supabase.co' })).toEqual([
      '✗ PUBLIC_API_URL must be a https:// address in production, got http://: without TLS, keys and calls travel in clear text.'
    ]);
    // --local accepts loopback, not plain http to another machine.
    expect(check({ ...PRODUCTION, PUBLIC_API_URL: 'http://abcdefghij.supabase.co' }, true)).toHaveLength(1);
    const loop = { ...PRODUCTION, SUPABASE_URL: 'http://127.0.0.1:54321', PUBLIC_SUPABASE_URL: 'http://127.0.0.1:54321', PUBLIC_API_URL: 'http://127.0.0.1:54321' };
    const refused = check(loop);
    expect(refused).toHaveLength(3);
    for (const n of ['SUPABASE_URL', 'PUBLIC_SUPABASE_URL', 'PUBLIC_API_URL']) {
      expect(refused.some((l) => l.startsWith(`✗ ${n} points at 127.0.0.1:54321, a loopback address nothing else can reach`)), n).toBe(true);
    }
    expect(check(loop, true)).toEqual([]);
    expect(check({ ...PRODUCTION, RELAY_STREAM_URL: 'ws://relay.callmeback.example.com/twilio/stream' })).toEqual([
      '✗ RELAY_STREAM_URL must be a wss:// address in production, got ws://: without TLS, keys and calls travel in clear text.'
    ]);
  });

  it('wants the Stripe key\'s mode and STRIPE_LIVE_MODE to agree', () => {
    expect(check({ ...PRODUCTION, STRIPE_LIVE_MODE: 'false' })).toEqual([expect.stringMatching(/^✗ STRIPE_LIVE_MODE: STRIPE_SECRET_KEY is a live key but STRIPE_LIVE_MODE is not true/)]);
    expect(check({ ...PRODUCTION, STRIPE_SECRET_KEY: 'sk_test_51Abc' })).toEqual([expect.stringMatching(/^✗ STRIPE_LIVE_MODE is true but STRIPE_SECRET_KEY is a test key/)]);
    expect(check({ ...PRODUCTION, STRIPE_SECRET_KEY: 'sk_test_51Abc', STRIPE_LIVE_MODE: 'false' })).toEqual([]);
  });

  it('refuses swapped Supabase keys and any secret in a PUBLIC_ setting, never echoing it', () => {
    const swapped = check({ ...PRODUCTION, SUPABASE_SECRET_KEY: 'sb_publishable_Abc123', PUBLIC_SUPABASE_PUBLISHABLE_KEY: 'sb_secret_Xyz789' });
    expect(swapped).toContain('✗ SUPABASE_SECRET_KEY holds a publishable key: use a secret key (sb_secret_…).');
    expect(swapped).toContain('✗ PUBLIC_SUPABASE_PUBLISHABLE_KEY holds a Supabase secret key: PUBLIC_ settings reach every browser; remove it there and rotate that secret.');
    const leaked = check({ ...PRODUCTION, PUBLIC_ANALYTICS_TOKEN: PRODUCTION.DEEPGRAM_API_KEY!, PUBLIC_STRIPE: 'sk_live_51Abc' });
    expect(leaked).toContain('✗ PUBLIC_ANALYTICS_TOKEN holds the value of DEEPGRAM_API_KEY: PUBLIC_ settings reach every browser; remove it there and rotate that secret.');
    expect(leaked).toContain('✗ PUBLIC_STRIPE holds a Stripe secret key: PUBLIC_ settings reach every browser; remove it there and rotate that secret.');
    expect([...swapped, ...leaked].join('\n')).not.toMatch(/Xyz789|dg-key|51Abc/);
  });

  it('wants callbacks and the browser pointed at this project and this relay', () => {
    expect(check({ ...PRODUCTION, PUBLIC_API_URL: 'https://other.supabase.co' })).toEqual([expect.stringMatching(/^✗ PUBLIC_API_URL is https:\/\/other\.supabase\.co but the project is https:\/\/abcdefghij\.supabase\.co \(SUPABASE_URL\)/)]);
    expect(check({ ...PRODUCTION, PUBLIC_SUPABASE_URL: 'https://other.supabase.co' })).toEqual([expect.stringMatching(/^✗ PUBLIC_SUPABASE_URL is https:\/\/other\.supabase\.co but the project is/)]);
    expect(check({ ...PRODUCTION, RELAY_STREAM_URL: 'wss://relay.callmeback.example.com/stream' })).toEqual(['✗ RELAY_STREAM_URL must end with the relay\'s stream path /twilio/stream, got /stream.']);
    expect(check({ ...PRODUCTION, ORIGIN: 'https://www.callmeback.example.com' })).toEqual([expect.stringMatching(/^✗ ORIGIN is https:\/\/www\.callmeback\.example\.com but SITE_URL is/)]);
    const softphone = { ...PRODUCTION, PUBLIC_BROWSER_CALLS: 'softphone', PUBLIC_RELAY_URL: 'wss://elsewhere.example.com' };
    expect(check(softphone)).toEqual([expect.stringMatching(/^✗ PUBLIC_RELAY_URL is elsewhere\.example\.com but Twilio reaches the relay at relay\.callmeback\.example\.com/)]);
  });

  it('wants the Twilio browser-call settings unless browser calls are off or through the softphone', () => {
    const noApp = without('TWILIO_TWIML_APP_SID');
    expect(check(noApp)).toEqual([expect.stringMatching(/^✗ TWILIO_TWIML_APP_SID is required while PUBLIC_BROWSER_CALLS is twilio \(the default\)/)]);
    expect(check({ ...noApp, PUBLIC_BROWSER_CALLS: 'off' })).toEqual([]);
  });

  it('takes the seed document\'s names, and sees vendors\' keys in the wrong place', () => {
    const { TWILIO_FROM_NUMBER: from, ...rest } = PRODUCTION;
    expect(check({ ...rest, TWILIO_PHONE_NUMBER: from })).toEqual([]);
    expect(check({ ...PRODUCTION, CEREBRAS_API_KEY: 'sk-proj-abc' })).toEqual(['✗ CEREBRAS_API_KEY looks like an OpenAI key (sk-…) but goes to Cerebras: Cerebras keys start with csk-.']);
    expect(check({ ...PRODUCTION, ELEVENLABS_API_KEY: 'sk_live_51Abc' })).toEqual([expect.stringMatching(/^✗ ELEVENLABS_API_KEY holds a Stripe key/)]);
  });

  it('names every missing setting of an empty file, once each', () => {
    const lines = check({});
    for (const name of ['SUPABASE_URL', 'SUPABASE_SECRET_KEY', 'PUBLIC_SUPABASE_URL', 'PUBLIC_API_URL', 'SITE_URL', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'TWILIO_ACCOUNT_SID', 'TWILIO_FROM_NUMBER', 'RELAY_STREAM_URL', 'DATABASE_URL', 'DEEPGRAM_API_KEY', 'ELEVENLABS_API_KEY']) {
      expect(lines.filter((l) => l.startsWith(`✗ ${name} is required`)), name).toHaveLength(1);
    }
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('knows loopback addresses', () => {
    for (const h of ['localhost', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]', '0.0.0.0']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['10.0.0.1', 'abcdefghij.supabase.co', '128.0.0.1']) expect(isLoopback(h), h).toBe(false);
  });
});
