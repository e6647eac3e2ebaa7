import { describe, expect, it } from 'vitest';
import { signHs256 } from '../keys.ts';
import { RestError } from './errors.ts';
import { checkRole, identify } from './request_auth.ts';
import type { SchemaSnapshot } from './schema_cache.ts';

const SECRET = 'a-test-secret-that-is-at-least-32-characters';
const now = () => Math.floor(Date.now() / 1000);

async function failure(token: string): Promise<RestError> {
  try {
    await identify(token, SECRET);
  } catch (err) {
    if (err instanceof RestError) return err;
    throw err;
  }
  throw new Error('expected the token to be refused');
}

describe('identify', () => {
  it('treats a missing bearer as anon with no claims', async () => {
    expect(await identify(null, SECRET)).toEqual({ role: 'anon', claims: {} });
  });

  it('takes the role from a valid token, defaulting to anon', async () => {
    const user = await identify(signHs256({ sub: 'u1', role: 'authenticated', exp: now() + 60 }, SECRET), SECRET);
    expect(user.role).toBe('authenticated');
    expect(user.claims.sub).toBe('u1');
    expect((await identify(signHs256({ exp: now() + 60 }, SECRET), SECRET)).role).toBe('anon');
  });

  it('refuses malformed, forged, unsigned and expired tokens with 401 and WWW-Authenticate', async () => {
    const malformed = await failure('abc');
    expect([malformed.status, malformed.code, malformed.message]).toEqual([401, 'PGRST301', 'Expected 3 parts in JWT; got 1']);
    expect(malformed.headers['WWW-Authenticate']).toContain('invalid_token');
    expect((await failure(signHs256({ role: 'service_role' }, `${SECRET}x`))).code).toBe('PGRST301');
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    expect((await failure(`${b64('{"alg":"none"}')}.${b64('{"role":"service_role"}')}.`)).code).toBe('PGRST301');
    const expired = await failure(signHs256({ role: 'authenticated', exp: now() - 10 }, SECRET));
    expect([expired.status, expired.code, expired.message]).toEqual([401, 'PGRST303', 'JWT expired']);
  });
});

describe('checkRole', () => {
  const snap = { roles: new Map([['anon', { statement_timeout: '3s' }]]), allRoles: new Set(['anon', 'postgres']) } as unknown as SchemaSnapshot;
  it('returns the per-role settings of an allowed role', () => {
    expect(checkRole(snap, 'anon')).toEqual({ statement_timeout: '3s' });
  });
  it('refuses unknown roles (401) and roles the API may not assume (403)', () => {
    expect(() => checkRole(snap, 'nobody')).toThrow(/role "nobody" does not exist/);
    try {
      checkRole(snap, 'postgres');
    } catch (err) {
      expect([(err as RestError).status, (err as RestError).code]).toEqual([403, '42501']);
    }
    expect(() => checkRole(snap, 'postgres')).toThrow(RestError);
  });
});
