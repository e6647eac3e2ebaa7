import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signAccessToken } from './access_token.ts';

const secret = 'super-secret-jwt-token-with-at-least-32-characters-long';

describe('access tokens', () => {
  it('carry exactly the GoTrue claims in order, exp = iat + expiry, verifiable with the secret', async () => {
    const { token, expiresAt } = signAccessToken(
      {
        issuer: 'http://127.0.0.1:54321/auth/v1', userId: 'u1', aud: 'authenticated', email: 'a@b.test', phone: '',
        appMetadata: { provider: 'email' }, userMetadata: { name: 'A' }, role: 'authenticated', sessionId: 's1',
        amr: [{ method: 'password', timestamp: 1000 }], isAnonymous: false, issuedAt: 2_000_000_000, expirySeconds: 3600
      },
      secret
    );
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { currentDate: new Date(2_000_000_100_000) });
    expect(Object.keys(payload)).toEqual([
      'iss', 'sub', 'aud', 'exp', 'iat', 'email', 'phone', 'app_metadata', 'user_metadata', 'role', 'aal', 'amr', 'session_id', 'is_anonymous'
    ]);
    expect(payload).toMatchObject({ aud: 'authenticated', exp: 2_000_003_600, iat: 2_000_000_000, aal: 'aal1', session_id: 's1' });
    expect(expiresAt).toBe(2_000_003_600);
  });
});
