import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSigningKey, signEs256, signHs256 } from '../keys.ts';
import { verifyJwt, type JwtKeys } from './jwt.ts';

const dir = mkdtempSync(join(tmpdir(), 'devstack-jwt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = loadSigningKey(join(dir, 'a'));
const other = loadSigningKey(join(dir, 'b'));
const SECRET = 'a-test-secret-that-is-at-least-32-characters';
const exp = () => Math.floor(Date.now() / 1000) + 60;

describe('verifyJwt with a key set', () => {
  const hostedOnly: JwtKeys = { hsSecret: null, publicKeys: [key.publicJwk] };
  const withLegacy: JwtKeys = { hsSecret: SECRET, publicKeys: [key.publicJwk] };

  it('accepts an ES256 token signed by the project key', async () => {
    const r = await verifyJwt(signEs256({ role: 'authenticated', sub: 'u1', exp: exp() }, key), hostedOnly);
    expect(r.ok && r.claims.sub).toBe('u1');
  });

  it('refuses ES256 tokens from another key or with an unknown kid', async () => {
    const r = await verifyJwt(signEs256({ role: 'service_role', exp: exp() }, other), hostedOnly);
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses HS256 tokens unless legacy keys are on', async () => {
    const legacy = signHs256({ role: 'service_role', exp: exp() }, SECRET);
    expect(await verifyJwt(legacy, hostedOnly)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect((await verifyJwt(legacy, withLegacy)).ok).toBe(true);
  });

  it('never treats a symmetric JWK from the key set as a verification key', async () => {
    const k = Buffer.from(SECRET).toString('base64url');
    const set: JwtKeys = { hsSecret: null, publicKeys: [{ kty: 'oct', k, kid: 'sym' } as JsonWebKey] };
    const forged = signHs256({ role: 'service_role', exp: exp() }, SECRET);
    expect((await verifyJwt(forged, set)).ok).toBe(false);
  });

  it('reports expiry, and keeps the plain-secret form of the default profile', async () => {
    const expired = signEs256({ role: 'anon', exp: Math.floor(Date.now() / 1000) - 10 }, key);
    expect(await verifyJwt(expired, hostedOnly)).toMatchObject({ ok: false, reason: 'expired' });
    expect((await verifyJwt(signHs256({ role: 'anon', exp: exp() }, SECRET), SECRET)).ok).toBe(true);
    expect((await verifyJwt(signEs256({ role: 'anon', exp: exp() }, key), SECRET)).ok).toBe(false);
  });
});
