import { describe, expect, it } from 'vitest';
import {
  countryCode, decimal, defaultedSetting, e164, flag, int, legacyKeyRole, list, namedKeys, oneOf, optionalSetting, parseSettings, port,
  readSettings, requiredSetting, settingInfo, SettingsError, stripeKeyMode, stripeSecretKey, stripeWebhookSecret, supabasePublishableKey,
  supabaseSecretKey, text, token, twilioSid, url, type ValueOf
} from './settings_schema.ts';

const jwt = (payload: object) => `eyJhbGciOiJIUzI1NiJ9.${btoa(JSON.stringify(payload)).replace(/=+$/, '')}.sig`;

/** The problems one optional setting of this value has for a raw value (empty when it parses). */
function problems<T>(value: ValueOf<T>, raw: string): string[] {
  return readSettings({ X: optionalSetting({ name: 'X', production: 'optional', readBy: ['relay'], meaning: 'x' }, value) }, { X: raw }).problems;
}
function parsed<T>(value: ValueOf<T>, raw: string): T | undefined {
  const { values, problems: p } = readSettings({ X: optionalSetting({ name: 'X', production: 'optional', readBy: ['relay'], meaning: 'x' }, value) }, { X: raw });
  expect(p).toEqual([]);
  return values.X;
}

describe('settings', () => {
  const SETTINGS = {
    SITE_URL: requiredSetting({ name: 'SITE_URL', production: 'required', readBy: ['functions'], meaning: 'the web app\'s public origin' }, url(['https:', 'http:'])),
    RATE: defaultedSetting({ name: 'RATE', production: 'optional', default: '1', readBy: ['functions'], meaning: 'calls per second' }, decimal(0.01, 1000)),
    FROM: optionalSetting({ name: 'FROM', aliases: ['PHONE'], production: 'required', readBy: ['functions'], meaning: 'the caller id' }, e164())
  };

  it('reads every setting, with defaults through the same schema, aliases and blanks as unset', () => {
    expect(readSettings(SETTINGS, { SITE_URL: ' https://app.example.com/ ', FROM: '  ' })).toEqual({
      values: { SITE_URL: 'https://app.example.com', RATE: 1, FROM: undefined },
      problems: []
    });
    expect(readSettings(SETTINGS, { SITE_URL: 'https://a.example', PHONE: '+14155550123' }).values.FROM).toBe('+14155550123');
    // The setting's own name wins over an alias.
    expect(readSettings(SETTINGS, { SITE_URL: 'https://a.example', FROM: '+14155550100', PHONE: '+14155550123' }).values.FROM).toBe('+14155550100');
    expect(readSettings(SETTINGS, (n) => (n === 'SITE_URL' ? 'https://b.example' : undefined)).values.SITE_URL).toBe('https://b.example');
  });

  it('names every problem in one sentence each, and leaves a bad value unset', () => {
    const r = readSettings(SETTINGS, { RATE: '0', FROM: '555-0100' });
    expect(r.problems).toEqual([
      'SITE_URL is required: the web app\'s public origin.',
      'RATE must be a number from 0.01 to 1000, got "0".',
      'FROM must be a phone number in E.164 form (+ country code and number, e.g. +14155550123), got "555-0100".'
    ]);
    expect(r.values).toEqual({ SITE_URL: undefined, RATE: undefined, FROM: undefined });
    expect(() => parseSettings('web app', SETTINGS, {})).toThrow(new SettingsError('web app', ['SITE_URL is required: the web app\'s public origin.']));
    expect(new SettingsError('relay', ['A is bad.', 'B is bad.']).message).toBe('relay configuration is invalid:\nA is bad.\nB is bad.');
  });

  it('keeps its description in the schema\'s metadata', () => {
    expect(settingInfo(SETTINGS.FROM)).toEqual({ name: 'FROM', aliases: ['PHONE'], production: 'required', readBy: ['functions'], meaning: 'the caller id' });
    expect(settingInfo(SETTINGS.RATE).default).toBe('1');
    expect(() => readSettings({ OTHER: SETTINGS.RATE }, {})).toThrow(/listed as OTHER describes itself as RATE/);
  });
});

describe('values', () => {
  it('URLs: scheme, trailing slash, query', () => {
    expect(parsed(url(['wss:']), 'wss://relay.example.com/twilio/stream/')).toBe('wss://relay.example.com/twilio/stream');
    expect(problems(url(['https:']), 'http://x.example')).toEqual(['X must be a https: URL, got "http://x.example".']);
    expect(problems(url(['https:']), 'not a url')).toEqual(['X must be a URL, got "not a url".']);
    expect(problems(url(['wss:'], { query: false }), 'wss://r.example/s?a=1')).toEqual(['X must not have a query string.']);
  });

  it('numbers: whole numbers, ports and decimals within their range', () => {
    expect(parsed(int(1, 10), '10')).toBe(10);
    expect(problems(int(1, 10), '1.5')).toEqual(['X must be a whole number from 1 to 10, got "1.5".']);
    expect(problems(int(1, 10), '11')).toEqual(['X must be a whole number from 1 to 10, got "11".']);
    expect(parsed(port({ zero: true }), '0')).toBe(0);
    expect(problems(port(), '0')).toEqual(['X must be a port number from 1 to 65535, got "0".']);
    expect(problems(port(), '65536')).toEqual(['X must be a port number from 1 to 65535, got "65536".']);
    expect(parsed(decimal(0.01, 5), '0.5')).toBe(0.5);
    expect(problems(decimal(0.01, 5), 'fast')).toEqual(['X must be a number from 0.01 to 5, got "fast".']);
  });

  it('flags, words and lists', () => {
    expect(parsed(flag(), 'true')).toBe(true);
    expect(parsed(flag(), 'OFF')).toBe(false);
    expect(problems(flag(), 'yes')).toEqual(['X must be true or false, got "yes".']);
    expect(parsed(oneOf(['a', 'b'] as const), 'b')).toBe('b');
    expect(problems(oneOf(['a', 'b'] as const), 'c')).toEqual(['X must be "a" or "b", got "c".']);
    expect(parsed(list(countryCode()), 'us, gb,,')).toEqual(['US', 'GB']);
    expect(problems(list(countryCode()), 'US,USA')).toEqual(['X must list two-letter country codes (e.g. US,GB), got "USA".']);
    expect(parsed(list(text(), '|'), 'wake up| Brad ')).toEqual(['wake up', 'Brad']);
  });

  it('secrets: length and one token, never echoed', () => {
    expect(problems(text({ minLength: 32 }), 'short')).toEqual(['X must be at least 32 characters.']);
    expect(problems(token(), 'a b')).toEqual(['X must be one key, without spaces, commas or line breaks.']);
  });

  it('Stripe keys and their mode', () => {
    expect(problems(stripeSecretKey(), 'sk_live_abc')).toEqual([]);
    expect(problems(stripeSecretKey(), 'rk_test_abc')).toEqual([]);
    expect(problems(stripeSecretKey(), 'pk_live_abc')).toEqual(['X holds a publishable key (pk_…): use the secret key (sk_…) or a restricted key (rk_…).']);
    expect(problems(stripeSecretKey(), 'whsec_abc')[0]).toMatch(/^X must be a Stripe secret key/);
    expect(problems(stripeWebhookSecret(), 'whsec_abc123')).toEqual([]);
    expect(problems(stripeWebhookSecret(), 'sk_test_abc')[0]).toMatch(/^X must be the webhook endpoint's signing secret/);
    expect([stripeKeyMode('sk_live_x'), stripeKeyMode('rk_test_x'), stripeKeyMode('whsec_x')]).toEqual(['live', 'test', null]);
  });

  it('Twilio SIDs: their prefix and 32 hex digits', () => {
    expect(problems(twilioSid('AC', 'account'), `AC${'a1'.repeat(16)}`)).toEqual([]);
    expect(problems(twilioSid('AC', 'account'), `SK${'a1'.repeat(16)}`)).toEqual(['X must be a Twilio account SID: AC and 32 hex digits (this one starts with SK).']);
    expect(problems(twilioSid('VA', 'Verify service'), 'VA123')).toEqual(['X must be a Twilio Verify service SID: VA and 32 hex digits.']);
  });

  it('Supabase keys: publishable and secret are never swapped', () => {
    expect(legacyKeyRole(jwt({ role: 'service_role' }))).toBe('service_role');
    expect(legacyKeyRole('sb_secret_x')).toBeNull();
    expect(problems(supabasePublishableKey(), 'sb_publishable_AbC-1')).toEqual([]);
    expect(problems(supabasePublishableKey(), jwt({ role: 'anon' }))).toEqual([]);
    for (const secret of ['sb_secret_abc', jwt({ role: 'service_role' })]) {
      expect(problems(supabasePublishableKey(), secret)).toEqual(['X holds a secret key: use the project\'s publishable key (sb_publishable_…); a secret key must never reach a browser.']);
    }
    expect(problems(supabaseSecretKey(), 'sb_secret_abc')).toEqual([]);
    expect(problems(supabaseSecretKey(), 'sb_publishable_abc')).toEqual(['X holds a publishable key: use a secret key (sb_secret_…).']);
    expect(problems(supabaseSecretKey(), 'secret')).toEqual(['X must be a secret key of the project (sb_secret_…).']);
  });

  it('named keys as JSON, as the platform sets them', () => {
    expect(parsed(namedKeys(), '{"default":"sb_secret_a","automations":"sb_secret_b","x":""}')).toEqual({ default: 'sb_secret_a', automations: 'sb_secret_b' });
    expect(problems(namedKeys(), '{')).toEqual(['X is not JSON: set it to an object of named keys, e.g. {"default":"sb_…"}.']);
    expect(problems(namedKeys(), '["sb_secret_a"]')).toEqual(['X must be a JSON object of named keys, e.g. {"default":"sb_…"}.']);
  });
});
