import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { projectClaimsVerifier, requireServiceRole } from './service_role.ts';

const SECRET = 'a-project-jwt-secret-with-at-least-32-characters';
const OTHER = 'another-project-secret-with-at-least-32-characters';
// The JWKS the platform hands functions: the HS256 secret as a symmetric key.
const JWKS = JSON.stringify({ keys: [{ kty: 'oct', k: btoa(SECRET).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'), alg: 'HS256' }] });

const sign = (role: string, secret = SECRET) =>
  new SignJWT({ role }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(secret));
const post = (token?: string) => new Request('http://x/', { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });

Deno.test('with the project JWKS: a signed service-role token passes, anything else is refused', async () => {
  const verify = projectClaimsVerifier(JWKS, undefined);
  assert.equal(await requireServiceRole(post(await sign('service_role')), verify), null);
  assert.equal((await requireServiceRole(post(await sign('authenticated')), verify))?.status, 403);
  assert.equal((await requireServiceRole(post(await sign('service_role', OTHER)), verify))?.status, 401);
  assert.equal((await requireServiceRole(post(), verify))?.status, 401);
  assert.equal((await requireServiceRole(post('not-a-jwt'), verify))?.status, 401);
});

Deno.test('without a JWKS only the exact service-role key passes', async () => {
  const key = await sign('service_role');
  const verify = projectClaimsVerifier(undefined, key);
  assert.equal(await requireServiceRole(post(key), verify), null);
  // Same claims, different signature: refused without a key to check it against.
  assert.equal((await requireServiceRole(post(await sign('service_role', OTHER)), verify))?.status, 401);
  const body = await (await requireServiceRole(post(), verify))!.json();
  assert.equal(body.error.code, 'unauthenticated');
});
