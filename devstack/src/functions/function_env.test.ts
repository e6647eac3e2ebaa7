import { describe, expect, it } from 'vitest';
import { functionEnv, hostedSupabaseEnv, jwksFor, supabaseEnv } from './function_env.ts';

const input = {
  apiUrl: 'http://127.0.0.1:54321',
  anonKey: 'anon.jwt',
  serviceRoleKey: 'service.jwt',
  dbUrl: 'postgresql://postgres:postgres@127.0.0.1:54322/postgres',
  publishableKey: 'sb_publishable_x',
  secretKey: 'sb_secret_y',
  jwtSecret: 'the-jwt-secret'
};

describe('function environment', () => {
  it('sets every Supabase variable the CLI sets', () => {
    const env = supabaseEnv(input);
    expect(env).toEqual({
      SUPABASE_URL: 'http://127.0.0.1:54321',
      SUPABASE_ANON_KEY: 'anon.jwt',
      SUPABASE_SERVICE_ROLE_KEY: 'service.jwt',
      SUPABASE_DB_URL: input.dbUrl,
      SUPABASE_PUBLISHABLE_KEYS: '{"default":"sb_publishable_x"}',
      SUPABASE_SECRET_KEYS: '{"default":"sb_secret_y"}',
      SUPABASE_JWKS: jwksFor('the-jwt-secret')
    });
  });

  it('publishes the JWT secret as a symmetric JWK', () => {
    const jwks = JSON.parse(jwksFor('the-jwt-secret')) as { keys: { kty: string; k: string; alg: string }[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]!.kty).toBe('oct');
    expect(Buffer.from(jwks.keys[0]!.k, 'base64url').toString()).toBe('the-jwt-secret');
  });

  it('adds secrets, strips SUPABASE_INTERNAL_* and never lets a secret override a Supabase variable', () => {
    const { env, skipped } = functionEnv(
      supabaseEnv(input),
      { TWILIO_AUTH_TOKEN: 't', SUPABASE_INTERNAL_DEBUG: 'true', SUPABASE_URL: 'http://elsewhere' },
      { NO_COLOR: '1' }
    );
    expect(env.TWILIO_AUTH_TOKEN).toBe('t');
    expect(env.SUPABASE_URL).toBe('http://127.0.0.1:54321');
    expect(env.NO_COLOR).toBe('1');
    expect('SUPABASE_INTERNAL_DEBUG' in env).toBe(false);
    expect(skipped).toEqual([
      'SUPABASE_INTERNAL_DEBUG: SUPABASE_INTERNAL_* variables are reserved',
      'SUPABASE_URL: set by the functions runtime'
    ]);
  });
});

describe('hosted function environment', () => {
  const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1', alg: 'ES256' } as JsonWebKey;
  const hosted = {
    apiUrl: 'http://127.0.0.1:54321',
    dbUrl: input.dbUrl,
    publishableKey: 'sb_publishable_x',
    secretKey: 'sb_secret_y',
    jwks: { keys: [jwk, { kty: 'oct', k: 'c2VjcmV0' } as JsonWebKey] },
    legacy: null
  };

  it('sets the platform variables with a public-only JWKS and no legacy keys', () => {
    expect(hostedSupabaseEnv(hosted)).toEqual({
      SUPABASE_URL: 'http://127.0.0.1:54321',
      SUPABASE_DB_URL: input.dbUrl,
      SUPABASE_PUBLISHABLE_KEYS: '{"default":"sb_publishable_x"}',
      SUPABASE_SECRET_KEYS: '{"default":"sb_secret_y"}',
      SUPABASE_JWKS: JSON.stringify({ keys: [jwk] })
    });
  });

  it('adds the legacy keys only while they are on', () => {
    const env = hostedSupabaseEnv({ ...hosted, legacy: { anonKey: 'anon.jwt', serviceRoleKey: 'service.jwt' } });
    expect(env.SUPABASE_ANON_KEY).toBe('anon.jwt');
    expect(env.SUPABASE_SERVICE_ROLE_KEY).toBe('service.jwt');
  });

  it('refuses every SUPABASE_ secret on the hosted platform', () => {
    const { env, skipped } = functionEnv(hostedSupabaseEnv(hosted), { SUPABASE_ANON_KEY: 'old', OTHER: '1' }, {}, true);
    expect('SUPABASE_ANON_KEY' in env).toBe(false);
    expect(env.OTHER).toBe('1');
    expect(skipped).toEqual(['SUPABASE_ANON_KEY: SUPABASE_* names are reserved on the hosted platform']);
  });
});
