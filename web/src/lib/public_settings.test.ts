import { describe, expect, it } from 'vitest';
import { browserCallTransport, parsePublicConfig } from './public_settings';

const base = { PUBLIC_SUPABASE_URL: 'https://abc.supabase.co', PUBLIC_SUPABASE_PUBLISHABLE_KEY: 'sb_publishable_x' };

describe('parsePublicConfig', () => {
  it('has production defaults: demo mode off, browser calls through Twilio', () => {
    const cfg = parsePublicConfig(base);
    expect(cfg).toEqual({ supabaseUrl: 'https://abc.supabase.co', supabaseKey: 'sb_publishable_x', demoMode: false, relayUrl: null, browserCalls: 'twilio' });
  });
  it('turns demo mode on only when asked for', () => {
    expect(parsePublicConfig({ ...base, PUBLIC_DEMO_MODE: 'true' }).demoMode).toBe(true);
    expect(parsePublicConfig({ ...base, PUBLIC_DEMO_MODE: 'false' }).demoMode).toBe(false);
    expect(() => parsePublicConfig({ ...base, PUBLIC_DEMO_MODE: 'yes' })).toThrow('PUBLIC_DEMO_MODE must be true or false, not "yes".');
  });
  it('accepts a legacy anon key when no publishable key is set', () => {
    expect(parsePublicConfig({ PUBLIC_SUPABASE_URL: base.PUBLIC_SUPABASE_URL, PUBLIC_SUPABASE_ANON_KEY: 'eyJ.anon' }).supabaseKey).toBe('eyJ.anon');
  });
  it('names every missing or malformed setting, one line each', () => {
    expect(() => parsePublicConfig({ PUBLIC_RELAY_URL: 'http://relay' })).toThrow(
      [
        'PUBLIC_SUPABASE_URL is missing: set it to the project URL (https://<ref>.supabase.co).',
        "PUBLIC_SUPABASE_PUBLISHABLE_KEY is missing: set it to the project's publishable key (sb_publishable_…).",
        'PUBLIC_RELAY_URL must start with wss:// or ws://, not "http://relay".'
      ].join('\n')
    );
  });
  it('refuses a secret key where the publishable key belongs', () => {
    expect(() => parsePublicConfig({ ...base, PUBLIC_SUPABASE_PUBLISHABLE_KEY: 'sb_secret_abc' })).toThrow(/must never reach a browser/);
  });
});

describe('browserCallTransport', () => {
  it('follows the configured transport, not demo mode', () => {
    expect(browserCallTransport(undefined, null)).toBe('twilio');
    expect(browserCallTransport('softphone', 'wss://relay.example')).toBe('softphone');
    expect(browserCallTransport('off', 'wss://relay.example')).toBeNull();
  });
  it('needs a relay for the softphone and refuses unknown transports', () => {
    expect(() => browserCallTransport('softphone', null)).toThrow(/needs PUBLIC_RELAY_URL/);
    expect(() => browserCallTransport('sip', null)).toThrow('PUBLIC_BROWSER_CALLS must be twilio, softphone, off, not "sip".');
  });
});
