import assert from 'node:assert/strict';
import { settingInfo } from '../../core/src/settings_schema.ts';
import { FUNCTION_SETTINGS, functionSettingsFrom, twilioAuthTokens, twilioRest } from './settings.ts';

const env = (values: Record<string, string>) => (n: string) => values[n];
const TWILIO = { TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'tok', TWILIO_VERIFY_SERVICE_SID: `VA${'b'.repeat(32)}` };

Deno.test('a function refuses to start without SITE_URL: no local address stands in for it', () => {
  assert.throws(() => functionSettingsFrom(['SITE_URL'], env({})), /: edge function configuration is invalid:\nSITE_URL is required: /);
  assert.throws(() => functionSettingsFrom(['SITE_URL', 'PUBLIC_API_URL'], env({ SITE_URL: 'app.example.com' })), (err: Error) => {
    assert.deepEqual(err.message.split('\n').slice(1), [
      'SITE_URL must be a URL, got "app.example.com".',
      'PUBLIC_API_URL is required: the origin Twilio calls back (the project URL): TwiML, status and AMD callbacks, whose signatures are checked against it.'
    ]);
    return true;
  });
  assert.equal(functionSettingsFrom(['SITE_URL'], env({ SITE_URL: 'https://app.example.com/' })).SITE_URL, 'https://app.example.com');
});

Deno.test('the seed document\'s TWILIO_PHONE_NUMBER is taken for TWILIO_FROM_NUMBER', () => {
  assert.equal(functionSettingsFrom(['TWILIO_FROM_NUMBER'], env({ TWILIO_PHONE_NUMBER: '+14155550123' })).TWILIO_FROM_NUMBER, '+14155550123');
  assert.throws(() => functionSettingsFrom(['TWILIO_FROM_NUMBER'], env({ TWILIO_PHONE_NUMBER: '4155550123' })), /TWILIO_FROM_NUMBER must be a phone number in E\.164/);
});

Deno.test('typed values and production defaults', () => {
  const s = functionSettingsFrom(
    ['DEMO_MODE', 'STRIPE_LIVE_MODE', 'DISPATCH_CALLS_PER_SECOND', 'PUBLIC_BROWSER_CALLS', 'ADDITIONAL_SITE_URLS', 'PHONE_ALLOWED_COUNTRIES', 'ELEVENLABS_BASE_URL'],
    env({ ADDITIONAL_SITE_URLS: 'https://a.example/, https://b.example', PHONE_ALLOWED_COUNTRIES: 'us,gb' })
  );
  assert.deepEqual(s, {
    DEMO_MODE: false, STRIPE_LIVE_MODE: false, DISPATCH_CALLS_PER_SECOND: 1, PUBLIC_BROWSER_CALLS: 'twilio',
    ADDITIONAL_SITE_URLS: ['https://a.example', 'https://b.example'], PHONE_ALLOWED_COUNTRIES: ['US', 'GB'], ELEVENLABS_BASE_URL: 'https://api.elevenlabs.io'
  });
  // DEMO_MODE=yes is a mistake to report, not a quiet "off".
  assert.throws(() => functionSettingsFrom(['DEMO_MODE'], env({ DEMO_MODE: 'yes' })), /DEMO_MODE must be true or false, got "yes"\./);
});

Deno.test('key shapes: Stripe, Twilio and Supabase keys in the wrong place are refused without echoing them', () => {
  const message = (() => {
    try {
      functionSettingsFrom(['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'TWILIO_ACCOUNT_SID', 'SUPABASE_SECRET_KEY'], env({
        STRIPE_SECRET_KEY: 'pk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc\ndef', TWILIO_ACCOUNT_SID: `SK${'a'.repeat(32)}`, SUPABASE_SECRET_KEY: 'sb_publishable_abc'
      }));
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected the settings to be refused');
  })();
  assert.match(message, /STRIPE_SECRET_KEY holds a publishable key/);
  assert.match(message, /STRIPE_WEBHOOK_SECRET must be the webhook endpoint's signing secret/);
  assert.match(message, /TWILIO_ACCOUNT_SID must be a Twilio account SID: AC and 32 hex digits \(this one starts with SK\)/);
  assert.match(message, /SUPABASE_SECRET_KEY holds a publishable key/);
  assert.doesNotMatch(message, /pk_live_abc|whsec_abc|sb_publishable_abc/);
});

Deno.test('Twilio: the real origins unless a base URL points elsewhere, one stand-in answering both', () => {
  const names = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_VERIFY_SERVICE_SID', 'TWILIO_API_BASE', 'TWILIO_VERIFY_API_BASE'] as const;
  assert.deepEqual(twilioRest(functionSettingsFrom(names, env(TWILIO))), {
    accountSid: TWILIO.TWILIO_ACCOUNT_SID, authToken: 'tok', verifyServiceSid: TWILIO.TWILIO_VERIFY_SERVICE_SID,
    apiBase: 'https://api.twilio.com', verifyBase: 'https://verify.twilio.com'
  });
  const local = twilioRest(functionSettingsFrom(names, env({ ...TWILIO, TWILIO_API_BASE: 'http://127.0.0.1:9' })));
  assert.deepEqual([local.apiBase, local.verifyBase], ['http://127.0.0.1:9', 'http://127.0.0.1:9']);
  assert.deepEqual(twilioAuthTokens(functionSettingsFrom(['TWILIO_AUTH_TOKEN', 'TWILIO_AUTH_TOKEN_PREVIOUS'], env({ TWILIO_AUTH_TOKEN: 'a' }))), ['a']);
  assert.deepEqual(twilioAuthTokens(functionSettingsFrom(['TWILIO_AUTH_TOKEN', 'TWILIO_AUTH_TOKEN_PREVIOUS'], env({ TWILIO_AUTH_TOKEN: 'a', TWILIO_AUTH_TOKEN_PREVIOUS: 'b' }))), ['a', 'b']);
});

Deno.test('every setting describes itself under its own name, read by the functions', () => {
  for (const [name, setting] of Object.entries(FUNCTION_SETTINGS)) {
    const info = settingInfo(setting);
    assert.equal(info.name, name);
    assert.ok(info.readBy.includes('functions'), name);
  }
});
