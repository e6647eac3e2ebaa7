import assert from 'node:assert/strict';
import { projectKeysFrom, publishableKey, requirePublishableKey, secretKey } from './project_keys.ts';

const from = (env: Record<string, string>) => projectKeysFrom((n) => env[n]);

Deno.test('a project with only the new keys: the default entry of each JSON map', () => {
  const keys = from({
    SUPABASE_PUBLISHABLE_KEYS: '{"web":"sb_publishable_web","default":"sb_publishable_d"}',
    SUPABASE_SECRET_KEYS: '{"default":"sb_secret_d","automations":"sb_secret_a"}'
  });
  assert.equal(publishableKey(keys), 'sb_publishable_d');
  assert.equal(secretKey(keys), 'sb_secret_d');
  assert.deepEqual(Object.values(keys.secret), ['sb_secret_d', 'sb_secret_a']);
  assert.equal(keys.legacyAnon, null);
  assert.equal(keys.legacyServiceRole, null);
});

Deno.test('without a default entry the first key is used', () => {
  assert.equal(publishableKey(from({ SUPABASE_PUBLISHABLE_KEYS: '{"web":"sb_publishable_web"}' })), 'sb_publishable_web');
});

Deno.test('singular and legacy variables are fallbacks', () => {
  assert.equal(publishableKey(from({ SUPABASE_PUBLISHABLE_KEY: 'sb_publishable_s' })), 'sb_publishable_s');
  assert.equal(secretKey(from({ SUPABASE_SECRET_KEY: 'sb_secret_s' })), 'sb_secret_s');
  assert.equal(publishableKey(from({ SUPABASE_ANON_KEY: 'anon.jwt' })), 'anon.jwt');
  assert.equal(secretKey(from({ SUPABASE_SERVICE_ROLE_KEY: 'service.jwt' })), 'service.jwt');
  // The new keys win over the legacy ones when both are present.
  const both = from({ SUPABASE_PUBLISHABLE_KEYS: '{"default":"sb_publishable_d"}', SUPABASE_ANON_KEY: 'anon.jwt' });
  assert.equal(publishableKey(both), 'sb_publishable_d');
  assert.equal(both.legacyAnon, 'anon.jwt');
  // The singular key joins the map without duplicating it.
  const merged = from({ SUPABASE_SECRET_KEYS: '{"default":"sb_secret_d"}', SUPABASE_SECRET_KEY: 'sb_secret_d' });
  assert.deepEqual(merged.secret, { default: 'sb_secret_d' });
});

Deno.test('malformed maps and missing keys fail naming the setting', () => {
  assert.throws(() => from({ SUPABASE_SECRET_KEYS: 'sb_secret_x' }), /SUPABASE_SECRET_KEYS is not JSON/);
  assert.throws(() => from({ SUPABASE_PUBLISHABLE_KEYS: '["sb_publishable_x"]' }), /SUPABASE_PUBLISHABLE_KEYS must be a JSON object/);
  assert.throws(() => requirePublishableKey(from({})), /SUPABASE_PUBLISHABLE_KEYS/);
  assert.equal(requirePublishableKey(from({ SUPABASE_PUBLISHABLE_KEYS: '{"default":"sb_publishable_d"}' })), 'sb_publishable_d');
});
