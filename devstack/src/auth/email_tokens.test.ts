import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeRedirect, errorRedirect, implicitRedirect, newOtp, splitToken, storedToken, tokenHash, verifyLink } from './email_tokens.ts';

describe('e-mail link tokens', () => {
  it('hash the e-mail and six-digit code as GoTrue does, with a pkce_ prefix for PKCE flows', () => {
    expect(newOtp()).toMatch(/^\d{6}$/);
    const hash = tokenHash('a@b.test', '123456');
    expect(hash).toBe(createHash('sha256').update('a@b.test123456').digest('hex'));
    expect(storedToken(hash, true)).toBe(`pkce_${hash}`);
    expect(splitToken(`pkce_${hash}`)).toEqual({ hash, pkce: true });
    expect(splitToken(hash)).toEqual({ hash, pkce: false });
  });

  it('build GoTrue links and redirects', () => {
    expect(verifyLink('http://127.0.0.1:54321/auth/v1', 'abc', 'signup', 'http://127.0.0.1:5173/x?y=1')).toBe(
      'http://127.0.0.1:54321/auth/v1/verify?token=abc&type=signup&redirect_to=http%3A%2F%2F127.0.0.1%3A5173%2Fx%3Fy%3D1'
    );
    const session = { access_token: 'at', expires_at: 2, expires_in: 3600, refresh_token: 'rt', token_type: 'bearer' };
    expect(implicitRedirect('http://app.test/cb', session, 'signup')).toBe(
      'http://app.test/cb#access_token=at&expires_at=2&expires_in=3600&refresh_token=rt&token_type=bearer&type=signup'
    );
    expect(codeRedirect('http://app.test/cb?next=/x', 'c1')).toBe('http://app.test/cb?next=%2Fx&code=c1');
    expect(errorRedirect('http://app.test/cb', false, 'otp_expired', 'gone')).toBe('http://app.test/cb#error=access_denied&error_code=otp_expired&error_description=gone');
    expect(errorRedirect('http://app.test/cb', true, 'otp_expired', 'gone')).toBe('http://app.test/cb?error=access_denied&error_code=otp_expired&error_description=gone');
  });
});
