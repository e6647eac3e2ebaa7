import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { serviceCallerCheck, serviceCallerKeysFrom, type ServiceCallerKeys } from './service_role.ts';

const SECRET = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz';
const AUTOMATIONS = 'sb_secret_automations-key-0000000000000';
const PUBLISHABLE = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH';
const HS_SECRET = 'a-project-jwt-secret-with-at-least-32-characters';
const OTHER_HS_SECRET = 'another-project-secret-with-at-least-32-characters';
const b64url = (s: string) => btoa(s).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

const signing = await generateKeyPair('ES256', { extractable: true });
const other = await generateKeyPair('ES256', { extractable: true });
const publicJwk = { ...(await exportJWK(signing.publicKey)), kid: 'signing-key', alg: 'ES256', use: 'sig' };
const JWKS = JSON.stringify({ keys: [publicJwk] });

const es256 = (role: string, key = signing.privateKey, kid = 'signing-key') =>
  new SignJWT({ role, sub: crypto.randomUUID() }).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').sign(key);
const hs256 = (role: string, secret = HS_SECRET, iat = Math.floor(Date.now() / 1000)) =>
  new SignJWT({ role }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(iat).setExpirationTime(iat + 3600).sign(new TextEncoder().encode(secret));

function keys(over: Partial<ServiceCallerKeys> = {}): ServiceCallerKeys {
  return { publishable: { default: PUBLISHABLE }, secret: { default: SECRET, automations: AUTOMATIONS }, legacyAnon: null, legacyServiceRole: null, jwks: JWKS, ...over };
}
const post = (headers: Record<string, string> = {}) => new Request('http://x/', { method: 'POST', headers });
const status = async (check: ReturnType<typeof serviceCallerCheck>, headers: Record<string, string>) => (await check(post(headers)))?.status ?? 200;

Deno.test('a secret key in apikey is the service, whichever named key it is', async () => {
  const check = serviceCallerCheck(keys());
  assert.equal(await status(check, { apikey: SECRET }), 200);
  assert.equal(await status(check, { apikey: AUTOMATIONS }), 200);
  // Clients that send the key in both headers, or as Bearer only.
  assert.equal(await status(check, { apikey: SECRET, authorization: `Bearer ${SECRET}` }), 200);
  assert.equal(await status(check, { authorization: `Bearer ${SECRET}` }), 200);
});

Deno.test('a wrong or missing key is 401 with an actionable message', async () => {
  const check = serviceCallerCheck(keys());
  const missing = await check(post());
  assert.equal(missing?.status, 401);
  const body = await missing!.json();
  assert.equal(body.error.code, 'unauthenticated');
  assert.match(body.error.message, /apikey/);
  assert.equal(await status(check, { apikey: `${SECRET}x` }), 401);
  assert.equal(await status(check, { apikey: 'sb_secret_' }), 401);
  assert.equal(await status(check, { authorization: 'Bearer not-a-jwt' }), 401);
  // The gateway passes Bearer sb_… on only when it equals apikey; two different keys prove nothing.
  assert.equal(await status(check, { apikey: PUBLISHABLE, authorization: `Bearer ${SECRET}` }), 401);
});

Deno.test('the publishable key and user tokens are known but not enough: 403', async () => {
  const check = serviceCallerCheck(keys());
  assert.equal(await status(check, { apikey: PUBLISHABLE }), 403);
  assert.equal(await status(check, { apikey: PUBLISHABLE, authorization: `Bearer ${await es256('authenticated')}` }), 403);
  assert.equal(await status(check, { authorization: `Bearer ${await es256('anon')}` }), 403);
});

Deno.test('a service_role JWT signed with one of the JWKS keys is the service; any other signer is not', async () => {
  const check = serviceCallerCheck(keys());
  assert.equal(await status(check, { authorization: `Bearer ${await es256('service_role')}` }), 200);
  assert.equal(await status(check, { authorization: `Bearer ${await es256('service_role', other.privateKey)}` }), 401);
  assert.equal(await status(check, { authorization: `Bearer ${await es256('service_role', other.privateKey, 'unknown-kid')}` }), 401);
  // Without a JWKS no JWT can be verified.
  assert.equal(await status(serviceCallerCheck(keys({ jwks: null })), { authorization: `Bearer ${await es256('service_role')}` }), 401);
});

Deno.test('an HS256 token signed with a secret smuggled into SUPABASE_JWKS as an oct key is refused', async () => {
  const smuggled = JSON.stringify({ keys: [publicJwk, { kty: 'oct', k: b64url(HS_SECRET), alg: 'HS256', kid: 'signing-key' }] });
  const check = serviceCallerCheck(keys({ jwks: smuggled }));
  assert.equal(await status(check, { authorization: `Bearer ${await hs256('service_role')}` }), 401);
  const onlyOct = serviceCallerCheck(keys({ jwks: JSON.stringify({ keys: [{ kty: 'oct', k: b64url(HS_SECRET), alg: 'HS256' }] }) }));
  assert.equal(await status(onlyOct, { authorization: `Bearer ${await hs256('service_role')}` }), 401);
  // The genuine asymmetric key still works beside it.
  assert.equal(await status(check, { authorization: `Bearer ${await es256('service_role')}` }), 200);
});

Deno.test('the legacy service-role JWT passes only by exact match, and only when it is configured', async () => {
  const legacy = await hs256('service_role');
  assert.equal(await status(serviceCallerCheck(keys()), { authorization: `Bearer ${legacy}` }), 401);
  const withLegacy = serviceCallerCheck(keys({ legacyServiceRole: legacy }));
  assert.equal(await status(withLegacy, { authorization: `Bearer ${legacy}` }), 200);
  assert.equal(await status(withLegacy, { apikey: legacy }), 200);
  // Same role, same secret, minted at another time: a valid signature but not the configured key, so refused.
  const reminted = await hs256('service_role', HS_SECRET, Math.floor(Date.now() / 1000) - 60);
  assert.equal(await status(withLegacy, { authorization: `Bearer ${reminted}` }), 401);
  assert.equal(await status(withLegacy, { authorization: `Bearer ${await hs256('anon', OTHER_HS_SECRET)}` }), 401);
});

Deno.test('the legacy anon key is recognised as low privilege', async () => {
  const anon = await hs256('anon');
  const check = serviceCallerCheck(keys({ legacyAnon: anon }));
  assert.equal(await status(check, { authorization: `Bearer ${anon}` }), 403);
  assert.equal(await status(check, { apikey: anon }), 403);
});

Deno.test('keys come from the platform\'s variables', async () => {
  const env: Record<string, string> = {
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET }),
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: PUBLISHABLE }),
    SUPABASE_JWKS: JWKS
  };
  const check = serviceCallerCheck(serviceCallerKeysFrom((n) => env[n]));
  assert.equal(await status(check, { apikey: SECRET }), 200);
  assert.equal(await status(check, { authorization: `Bearer ${await es256('service_role')}` }), 200);
  // Singular fallback, as self-hosting and the local CLI set it.
  const single = serviceCallerCheck(serviceCallerKeysFrom((n) => ({ SUPABASE_SECRET_KEY: SECRET } as Record<string, string>)[n]));
  assert.equal(await status(single, { apikey: SECRET }), 200);
  assert.equal(await status(single, { apikey: PUBLISHABLE }), 401);
  assert.throws(() => serviceCallerCheck(serviceCallerKeysFrom((n) => (n === 'SUPABASE_JWKS' ? '{' : undefined))), /SUPABASE_JWKS/);
});
