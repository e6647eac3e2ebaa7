import { describe, expect, it } from 'vitest';
import { authSettingsFromToml, resolveEnv } from './project_settings.ts';

const TOML = `
[auth]
site_url = "env(SITE_URL)"
additional_redirect_urls = ["http://127.0.0.1:5173", "env(EXTRA_REDIRECT)"]

[auth.email]
enable_confirmations = false
`;

describe('[auth] settings from config.toml', () => {
  it('replaces env(NAME) only when NAME is set and non-empty, as the CLI does', () => {
    expect(resolveEnv('env(SITE_URL)', { SITE_URL: 'https://app.example.com' })).toBe('https://app.example.com');
    expect(resolveEnv('env(SITE_URL)', { SITE_URL: '' })).toBe('env(SITE_URL)');
    expect(resolveEnv('env(SITE_URL)', {})).toBe('env(SITE_URL)');
    expect(resolveEnv('http://x/env(Y)', { Y: 'z' })).toBe('http://x/env(Y)');
  });

  it('reads site_url, the allow-list and enable_confirmations', () => {
    const s = authSettingsFromToml(TOML, { SITE_URL: 'https://app.example.com', EXTRA_REDIRECT: 'https://app.example.com/**' });
    expect(s).toEqual({
      siteUrl: 'https://app.example.com',
      additionalRedirectUrls: ['http://127.0.0.1:5173', 'https://app.example.com/**'],
      enableConfirmations: false
    });
  });

  it('uses the CLI defaults when the file is silent, and names a wrong type', () => {
    expect(authSettingsFromToml('', {}).siteUrl).toBe('http://127.0.0.1:3000');
    expect(() => authSettingsFromToml('[auth]\nadditional_redirect_urls = "x"', {})).toThrow(/additional_redirect_urls must be a list/);
    expect(() => authSettingsFromToml('[auth.email]\nenable_confirmations = "yes"', {})).toThrow(/enable_confirmations/);
  });
});
