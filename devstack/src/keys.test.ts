import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { isOpaqueKey, legacyApiKey, loadOpaqueApiKeys, loadSigningKey, projectKeys, signEs256 } from './keys.ts';
import { CLI_JWT_SECRET } from './config.ts';

// The anon key every `supabase start` prints with the default secret (public knowledge, not a secret).
const CLI_ANON_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0';

describe('legacyApiKey', () => {
  it('reproduces the Supabase CLI anon key byte for byte', () => {
    expect(legacyApiKey('anon', CLI_JWT_SECRET)).toBe(CLI_ANON_KEY);
  });

  it('mints a service_role key that verifies with the secret and carries the role', async () => {
    const key = legacyApiKey('service_role', CLI_JWT_SECRET);
    const { payload } = await jwtVerify(key, new TextEncoder().encode(CLI_JWT_SECRET));
    expect(payload.role).toBe('service_role');
    expect(payload.iss).toBe('supabase-demo');
  });

  it('does not verify under another secret', async () => {
    const key = legacyApiKey('anon', 'another-secret-that-is-at-least-32-chars-long');
    await expect(jwtVerify(key, new TextEncoder().encode(CLI_JWT_SECRET))).rejects.toThrow();
  });
});

describe('hosted key material', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'devstack-keys-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('makes one ES256 key per state directory, private file 0600, public JWK without d', () => {
    const dir = tempDir();
    const a = loadSigningKey(dir);
    const b = loadSigningKey(dir);
    expect(b.kid).toBe(a.kid);
    expect(statSync(join(dir, 'auth', 'signing_key.json')).mode & 0o777).toBe(0o600);
    expect(a.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: a.kid });
    expect('d' in a.publicJwk).toBe(false);
    expect(loadSigningKey(tempDir()).kid).not.toBe(a.kid);
  });

  it('signs tokens with kid in the header that verify against the public JWK only', async () => {
    const key = loadSigningKey(tempDir());
    const token = signEs256({ sub: 'u1', role: 'authenticated', exp: Math.floor(Date.now() / 1000) + 60 }, key);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: key.kid, typ: 'JWT' });
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [key.publicJwk as JWK] }));
    expect(payload.sub).toBe('u1');
  });

  it('makes platform-shaped sb_ keys once per state directory', () => {
    const dir = tempDir();
    const keys = loadOpaqueApiKeys(dir);
    expect(keys.publishableKey).toMatch(/^sb_publishable_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{8}$/);
    expect(keys.secretKey).toMatch(/^sb_secret_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{8}$/);
    expect(isOpaqueKey(keys.secretKey, 'secret')).toBe(true);
    expect(isOpaqueKey(keys.secretKey.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), 'secret')).toBe(false);
    expect(loadOpaqueApiKeys(dir)).toEqual(keys);
    expect(statSync(join(dir, 'auth', 'api_keys.json')).mode & 0o777).toBe(0o600);
  });

  it('keeps the CLI keys and HS256 in the default profile, and no symmetric key in the hosted JWKS', () => {
    const base = { stateDir: tempDir(), jwtSecret: CLI_JWT_SECRET, publishableKey: 'sb_publishable_cli', secretKey: 'sb_secret_cli' };
    const local = projectKeys({ ...base, profile: 'default', legacyKeys: true });
    expect(local).toMatchObject({ publishableKey: 'sb_publishable_cli', legacySecret: CLI_JWT_SECRET, signingKey: null, jwks: { keys: [] }, verify: CLI_JWT_SECRET });
    expect(decodeProtectedHeader(local.sign({ role: 'anon' })).alg).toBe('HS256');

    const hosted = projectKeys({ ...base, profile: 'hosted', legacyKeys: false });
    expect(hosted.publishableKey).not.toBe('sb_publishable_cli');
    expect(hosted.legacySecret).toBeNull();
    expect(hosted.jwks.keys.map((k) => k.kty)).toEqual(['EC']);
    expect(decodeProtectedHeader(hosted.sign({ role: 'anon' })).alg).toBe('ES256');
    expect(projectKeys({ ...base, profile: 'hosted', legacyKeys: true }).legacySecret).toBe(CLI_JWT_SECRET);
  });
});
