import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from './auth_config.ts';

describe('Auth configuration', () => {
  it('defaults to the Supabase CLI settings', () => {
    expect(loadAuthConfig({})).toEqual({
      minPasswordLength: 6, signInLimit: 30, signInWindowSeconds: 300, signInAddressLimit: 300, signInAddressWindowSeconds: 300, jwtExpirySeconds: 3600,
      refreshReuseIntervalSeconds: 10, maxBodyBytes: 1_048_576, emailOtpExpirySeconds: 86_400, emailMaxFrequencySeconds: 60
    });
  });

  it('reads overrides, including a count/seconds rate limit', () => {
    const cfg = loadAuthConfig({ AUTH_MIN_PASSWORD_LENGTH: '10', AUTH_SIGNIN_RATE_LIMIT: '5/60' });
    expect(cfg.minPasswordLength).toBe(10);
    expect(cfg.signInLimit).toBe(5);
    expect(cfg.signInWindowSeconds).toBe(60);
    expect(loadAuthConfig({ AUTH_SIGNIN_RATE_LIMIT: '12' }).signInWindowSeconds).toBe(300);
  });

  it('refuses nonsense with a message naming the variable', () => {
    expect(() => loadAuthConfig({ AUTH_MIN_PASSWORD_LENGTH: 'six' })).toThrow(/AUTH_MIN_PASSWORD_LENGTH/);
    expect(() => loadAuthConfig({ AUTH_SIGNIN_RATE_LIMIT: 'lots' })).toThrow(/AUTH_SIGNIN_RATE_LIMIT/);
  });
});

describe('Auth configuration errors', () => {
  it('names every bad setting on its own line', () => {
    expect(() => loadAuthConfig({ AUTH_JWT_EXPIRY: '0', AUTH_SIGNIN_RATE_LIMIT: '5/0' })).toThrow(
      'devstack Auth configuration is invalid:\n' +
        'AUTH_SIGNIN_RATE_LIMIT must count at least one sign-in in at least one second.\n' +
        'AUTH_JWT_EXPIRY must be a whole number from 1 to 2147483647, got "0".'
    );
  });
});
