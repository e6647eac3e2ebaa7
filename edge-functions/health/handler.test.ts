import { assert, assertEquals, assertMatch } from '../_shared/assert.ts';
import { handleHealth, type HealthDeps } from './handler.ts';

const ENV: Record<string, string> = {
  SUPABASE_URL: 'http://127.0.0.1:54321',
  SUPABASE_ANON_KEY: 'anon-key-value',
  SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-value',
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
      env: { SUPABASE_URL: true, SUPABASE_ANON_KEY: true, SUPABASE_SERVICE_ROLE_KEY: true, SUPABASE_DB_URL: true },
      database: 'ok'
    }
  });
  for (const value of Object.values(ENV)) assert(!text.includes(value), 'a setting value leaked into the report');
});

Deno.test('is degraded (503) when a setting is missing, naming it', async () => {
  const { SUPABASE_SERVICE_ROLE_KEY: _, ...partial } = ENV;
  const res = await handleHealth(new Request('http://x/health'), deps({}, partial));
  assertEquals(res.status, 503);
  const body = await res.json();
  assertEquals(body.status, 'degraded');
  assertEquals(body.checks.env.SUPABASE_SERVICE_ROLE_KEY, false);
  assertEquals(body.checks.database, 'ok');
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
