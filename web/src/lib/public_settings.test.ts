import { describe, expect, it } from 'vitest';
import { settingInfo } from '../../../core/src/settings_schema.ts';
import { parsePublicConfig, PUBLIC_SETTINGS, webServerProblems } from './public_settings';

const base = { PUBLIC_SUPABASE_URL: 'https://abc.supabase.co', PUBLIC_SUPABASE_PUBLISHABLE_KEY: 'sb_publishable_x' };
const LEGACY_ANON = `eyJhbGciOiJIUzI1NiJ9.${btoa(JSON.stringify({ role: 'anon' })).replace(/=+$/, '')}.sig`;

describe('parsePublicConfig', () => {
  it('has production defaults: demo mode off, browser calls through Twilio', () => {
    const cfg = parsePublicConfig(base);
    expect(cfg).toEqual({ supabaseUrl: 'https://abc.supabase.co', supabaseKey: 'sb_publishable_x', demoMode: false, relayUrl: null, browserCalls: 'twilio' });
  });
  it('turns demo mode on only when asked for', () => {
    expect(parsePublicConfig({ ...base, PUBLIC_DEMO_MODE: 'true' }).demoMode).toBe(true);
    expect(parsePublicConfig({ ...base, PUBLIC_DEMO_MODE: 'false' }).demoMode).toBe(false);
    expect(() => parsePublicConfig({ ...base, PUBLIC_DEMO_MODE: 'yes' })).toThrow('PUBLIC_DEMO_MODE must be true or false, got "yes".');
  });
  it('accepts a legacy anon key when no publishable key is set', () => {
    expect(parsePublicConfig({ PUBLIC_SUPABASE_URL: base.PUBLIC_SUPABASE_URL, PUBLIC_SUPABASE_ANON_KEY: LEGACY_ANON }).supabaseKey).toBe(LEGACY_ANON);
  });
  it('names every missing or malformed setting, one line each', () => {
    expect(() => parsePublicConfig({ PUBLIC_RELAY_URL: 'http://relay' })).toThrow(
      [
        'PUBLIC_SUPABASE_URL is required: the project URL the browser talks to (https://<ref>.supabase.co).',
        'PUBLIC_SUPABASE_PUBLISHABLE_KEY is required: the project\'s publishable key (sb_publishable_…; a legacy anon key under PUBLIC_SUPABASE_ANON_KEY still works; a secret key is refused).',
        'PUBLIC_RELAY_URL must be a wss: or ws: URL, got "http://relay".'
      ].join('\n')
    );
  });
  it('refuses a secret key where the publishable key belongs', () => {
    expect(() => parsePublicConfig({ ...base, PUBLIC_SUPABASE_PUBLISHABLE_KEY: 'sb_secret_abc' })).toThrow(/must never reach a browser/);
  });
  it('reads only PUBLIC_ names, which SvelteKit hands to the browser', () => {
    for (const [name, setting] of Object.entries(PUBLIC_SETTINGS)) {
      const info = settingInfo(setting);
      for (const n of [info.name, ...(info.aliases ?? [])]) expect(n).toMatch(/^PUBLIC_/);
      expect(info.name).toBe(name);
      expect(info.secret).toBeFalsy();
    }
  });
});

describe('browser calls', () => {
  it('follow the configured transport, not demo mode', () => {
    expect(parsePublicConfig(base).browserCalls).toBe('twilio');
    expect(parsePublicConfig({ ...base, PUBLIC_BROWSER_CALLS: 'softphone', PUBLIC_RELAY_URL: 'wss://relay.example' }).browserCalls).toBe('softphone');
    expect(parsePublicConfig({ ...base, PUBLIC_BROWSER_CALLS: 'off', PUBLIC_DEMO_MODE: 'true' }).browserCalls).toBeNull();
  });
  it('need a relay for the softphone and refuse unknown transports', () => {
    expect(() => parsePublicConfig({ ...base, PUBLIC_BROWSER_CALLS: 'softphone' })).toThrow(/needs PUBLIC_RELAY_URL/);
    expect(() => parsePublicConfig({ ...base, PUBLIC_BROWSER_CALLS: 'sip' })).toThrow('PUBLIC_BROWSER_CALLS must be "twilio" or "softphone" or "off", got "sip".');
  });
});

describe('web server settings', () => {
  it('checks the port and the public origin adapter-node reads', () => {
    expect(webServerProblems({})).toEqual([]);
    expect(webServerProblems({ PORT: '3000', ORIGIN: 'https://app.example.com' })).toEqual([]);
    expect(webServerProblems({ PORT: 'http', ORIGIN: 'app.example.com' })).toEqual([
      'ORIGIN must be a URL, got "app.example.com".',
      'PORT must be a port number from 1 to 65535, got "http".'
    ]);
  });
});
