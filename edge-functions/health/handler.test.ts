import { assert, assertEquals, assertMatch } from '../_shared/assert.ts';
import { handleHealth, type HealthDeps } from './handler.ts';

const ENV: Record<string, string> = {
  SUPABASE_URL: 'http://127.0.0.1:54321',
  SUPABASE_PUBLISHABLE_KEYS: '{"default":"sb_publishable_value"}',
  SUPABASE_SECRET_KEYS: '{"default":"sb_secret_value"}',
  SUPABASE_DB_URL: 'postgresql://postgres:pw-value@127.0.0.1:54322/postgres'
};

function deps(overrides: Partial<HealthDeps> = {}, env: Record<string, string> = ENV): HealthDeps {
  return {
    env: (name) => env[name],
    now: () => new Date('2026-01-02T03:04:05.000Z'),
    pingDatabase: () => Promise.resolve(),
    ...overrides
  };
}

Deno.test('reports ok with every setting present and the database answering', async () => {
  let pinged = '';
  const res = await handleHealth(new Request('http://x/health'), deps({ pingDatabase: (url) => { pinged = url; return Promise.resolve(); } }));
  assertEquals(res.status, 200);
  assertEquals(pinged, ENV.SUPABASE_DB_URL);
  const text = await res.text();
  assertEquals(JSON.parse(text), {
    status: 'ok',
    time: '2026-01-02T03:04:05.000Z',
    checks: {
      env: { SUPABASE_URL: true, SUPABASE_DB_URL: true, SUPABASE_PUBLISHABLE_KEYS: true, SUPABASE_SECRET_KEYS: true },
      database: 'ok'
    }
  });
  for (const value of Object.values(ENV)) assert(!text.includes(value), 'a setting value leaked into the report');
  for (const key of ['sb_publishable_value', 'sb_secret_value']) assert(!text.includes(key), 'a key leaked into the report');
});

Deno.test('is degraded (503) when a setting is missing, naming it', async () => {
  const { SUPABASE_SECRET_KEYS: _, ...partial } = ENV;
  const res = await handleHealth(new Request('http://x/health'), deps({}, partial));
  assertEquals(res.status, 503);
  const body = await res.json();
  assertEquals(body.status, 'degraded');
  assertEquals(body.checks.env.SUPABASE_SECRET_KEYS, false);
  assertEquals(body.checks.database, 'ok');
});

Deno.test('a project with legacy keys only is healthy too: they are fallbacks', async () => {
  const { SUPABASE_SECRET_KEYS: _s, SUPABASE_PUBLISHABLE_KEYS: _p, ...rest } = ENV;
  const legacy = { ...rest, SUPABASE_ANON_KEY: 'anon.jwt', SUPABASE_SERVICE_ROLE_KEY: 'service.jwt' };
  const res = await handleHealth(new Request('http://x/health'), deps({}, legacy));
  assertEquals(res.status, 200);
  assertEquals((await res.json()).checks.env, { SUPABASE_URL: true, SUPABASE_DB_URL: true, SUPABASE_PUBLISHABLE_KEYS: true, SUPABASE_SECRET_KEYS: true });
});

Deno.test('a malformed key map is reported as missing, not thrown', async () => {
  const res = await handleHealth(new Request('http://x/health'), deps({}, { ...ENV, SUPABASE_SECRET_KEYS: 'sb_secret_value' }));
  assertEquals(res.status, 503);
  assertEquals((await res.json()).checks.env.SUPABASE_SECRET_KEYS, false);
});

Deno.test('is degraded when the database fails or does not answer in time', async () => {
  const failing = await handleHealth(new Request('http://x/health'), deps({ pingDatabase: () => Promise.reject(new Error('refused')) }));
  assertEquals(failing.status, 503);
  assertEquals((await failing.json()).checks.database, 'unreachable');

  const hanging = await handleHealth(
    new Request('http://x/health'),
    deps({ timeoutMs: 20, pingDatabase: () => new Promise<void>(() => {}) })
  );
  assertEquals((await hanging.json()).checks.database, 'unreachable');
});

Deno.test('answers CORS preflights and refuses other methods', async () => {
  const pre = await handleHealth(new Request('http://x/health', { method: 'OPTIONS' }), deps());
  assertEquals(pre.status, 200);
  assertEquals(pre.headers.get('Access-Control-Allow-Origin'), '*');
  assertMatch(pre.headers.get('Access-Control-Allow-Headers') ?? '', /authorization/);
  await pre.body?.cancel();

  const del = await handleHealth(new Request('http://x/health', { method: 'DELETE' }), deps());
  assertEquals(del.status, 405);
  assertEquals((await del.json()).code, 'method_not_allowed');
});
