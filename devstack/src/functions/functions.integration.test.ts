// Functions conformance (supabase-api.md §7), driven with supabase-js `functions.invoke` through the real gateway
// code: fixture functions are served by an in-process gateway over the running devstack's database, and pg_cron /
// pg_net jobs are delivered by the running devstack's pg_net worker.
import { createClient, FunctionsHttpError, type SupabaseClient } from '@supabase/supabase-js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../config.ts';
import { createGateway } from '../gateway/server.ts';
import type { RequestContext, Service, ServiceDeps } from '../gateway/types.ts';
import { signHs256 } from '../keys.ts';
import { stack } from '../testing/stack_env.ts';
import { createFunctionsService, type FunctionsOptions } from './service.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/supabase/config.toml', import.meta.url));
const opts = { auth: { persistSession: false, autoRefreshToken: false } };

interface TestGateway {
  url: string;
  calls: { method: string; path: string; search: string }[];
  close: () => Promise<void>;
}

let db: pg.Pool;
let deps: ServiceDeps;
const logs: string[] = [];

async function startGateway(options: Omit<FunctionsOptions, 'apiUrl'>): Promise<TestGateway> {
  let url = '';
  const calls: TestGateway['calls'] = [];
  const service: Service = await createFunctionsService(deps, {
    ...options,
    get apiUrl() {
      return url;
    }
  });
  const recorded: Service = {
    http: (req, res, ctx: RequestContext) => {
      calls.push({ method: req.method ?? '', path: ctx.path, search: ctx.url.search });
      return service.http!(req, res, ctx);
    }
  };
  const keys = { publishableKey: stack.publishableKey, secretKey: stack.secretKey, anonKey: stack.anonKey, serviceRoleKey: stack.serviceRoleKey };
  const server: Server = createGateway({ functions: recorded }, keys, (l) => logs.push(l));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await service.close?.();
    }
  };
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let gw: TestGateway;
let secretsDir: string;
let anon: SupabaseClient;

beforeAll(async () => {
  db = new pg.Pool({ connectionString: stack.dbUrl, max: 4 });
  deps = { config, db, anonKey: stack.anonKey, serviceRoleKey: stack.serviceRoleKey, log: (l) => logs.push(l) };
  secretsDir = mkdtempSync(join(tmpdir(), 'fn-secrets-'));
  const secrets = join(secretsDir, '.env');
  writeFileSync(secrets, 'FIXTURE_GREETING="hello from .env"\nSUPABASE_INTERNAL_TEST=leak\nSUPABASE_URL=http://elsewhere.test\n');
  gw = await startGateway({ configFile: FIXTURES, secretsFiles: [secrets] });
  anon = createClient(gw.url, stack.anonKey, opts);
});

afterAll(async () => {
  await gw?.close();
  await db?.end();
  rmSync(secretsDir, { recursive: true, force: true });
});

async function httpError(error: unknown): Promise<{ status: number; body: string }> {
  expect(error).toBeInstanceOf(FunctionsHttpError);
  const res = (error as FunctionsHttpError).context as Response;
  return { status: res.status, body: await res.text() };
}

describe('functions.invoke bodies', () => {
  it('round-trips a JSON body', async () => {
    const payload = { name: 'Brad', nested: { n: 1, list: [true, null] } };
    const { data, error, response } = await anon.functions.invoke('echo', { body: payload });
    expect(error).toBeNull();
    expect(data).toEqual(payload);
    expect(response?.headers.get('x-echo-method')).toBe('POST');
    expect(response?.headers.get('x-echo-path')).toBe('/echo');
  });

  it('round-trips a text body', async () => {
    const { data, error, response } = await anon.functions.invoke('echo', { body: 'plain text, ünïcode' });
    expect(error).toBeNull();
    expect(data).toBe('plain text, ünïcode');
    expect(response?.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('round-trips a binary body byte for byte', async () => {
    const bytes = new Uint8Array(4096).map((_, i) => (i * 31 + 7) % 256);
    const { data, error } = await anon.functions.invoke('echo', { body: bytes.buffer });
    expect(error).toBeNull();
    expect(data).toBeInstanceOf(Blob);
    expect(new Uint8Array(await (data as Blob).arrayBuffer())).toEqual(bytes);
  });

  it('forwards the method, sub-path and query string unchanged', async () => {
    const { response, error } = await anon.functions.invoke('echo/calls/42?expand=cost', { method: 'PATCH', body: { a: 1 } });
    expect(error).toBeNull();
    expect(response?.headers.get('x-echo-method')).toBe('PATCH');
    expect(response?.headers.get('x-echo-path')).toBe('/echo/calls/42?expand=cost');
  });
});

describe('verify_jwt', () => {
  it('on: passes the anon key, a publishable key and a user JWT, each as its role', async () => {
    const viaAnon = await anon.functions.invoke('whoami');
    expect(viaAnon.error).toBeNull();
    expect(viaAnon.data).toMatchObject({ role: 'anon', path: '/whoami' });

    // supabase-js sends no Authorization with sb_ keys; the gateway turns the apikey into the anon JWT.
    const viaPublishable = await createClient(gw.url, stack.publishableKey, opts).functions.invoke('whoami');
    expect(viaPublishable.error).toBeNull();
    expect(viaPublishable.data).toMatchObject({ role: 'anon' });

    const user = signHs256(
      { sub: '00000000-0000-4000-8000-000000000001', role: 'authenticated', exp: Math.floor(Date.now() / 1000) + 600 },
      stack.jwtSecret
    );
    const viaUser = await anon.functions.invoke('whoami', { headers: { Authorization: `Bearer ${user}` } });
    expect(viaUser.error).toBeNull();
    expect(viaUser.data).toEqual({ role: 'authenticated', sub: '00000000-0000-4000-8000-000000000001', path: '/whoami' });
  });

  it('on: refuses a missing header and a bad token with 401 before the function runs', async () => {
    const before = logs.length;
    const missing = await fetch(`${gw.url}/functions/v1/whoami`, { method: 'POST' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ msg: 'Error: Missing authorization header' });

    const forged = signHs256({ role: 'service_role', exp: Math.floor(Date.now() / 1000) + 600 }, 'not-the-project-secret-but-long-enough!!');
    const { error } = await anon.functions.invoke('whoami', { headers: { Authorization: `Bearer ${forged}` } });
    const bad = await httpError(error);
    expect(bad).toEqual({ status: 401, body: '{"msg":"Invalid JWT"}' });
    expect(logs.slice(before).some((l) => l.includes('functions[whoami]'))).toBe(false);
  });

  it('off: the function is called with no credentials at all', async () => {
    const res = await fetch(`${gw.url}/functions/v1/echo`, { method: 'POST', body: 'x', headers: { 'Content-Type': 'text/plain' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('x');
    expect(res.headers.get('x-echo-authorization')).toBe('');
  });
});

describe('routing and errors', () => {
  it('passes an OPTIONS preflight to the function even when verify_jwt is on', async () => {
    const res = await fetch(`${gw.url}/functions/v1/whoami`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://127.0.0.1:5173', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, x-client-info, apikey, content-type' }
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-preflight-by')).toBe('whoami');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toContain('x-client-info');
  });

  it('answers an unknown or disabled function with 404 Function not found', async () => {
    for (const slug of ['no-such-function', 'disabled']) {
      const { error } = await anon.functions.invoke(slug);
      expect(await httpError(error)).toEqual({ status: 404, body: 'Function not found' });
    }
    const root = await fetch(`${gw.url}/functions/v1/`);
    expect(root.status).toBe(404);
  });

  it('answers 503 BOOT_ERROR when the function fails to boot', async () => {
    const { error } = await anon.functions.invoke('broken');
    const r = await httpError(error);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toEqual({ code: 'BOOT_ERROR', message: 'Worker failed to boot (please check logs)' });
    expect(logs.some((l) => l.includes('broken failed to boot') && l.includes('fixture function refuses to boot'))).toBe(true);
  });

  it('answers 500 WORKER_ERROR when the handler throws, and keeps serving', async () => {
    for (let i = 0; i < 2; i++) {
      const { error } = await anon.functions.invoke('crash');
      const r = await httpError(error);
      expect(r.status).toBe(500);
      expect(JSON.parse(r.body)).toMatchObject({ code: 'WORKER_ERROR' });
    }
  });
});

describe('function environment and modules', () => {
  it("gives functions Supabase's env vars and the secrets file, without SUPABASE_INTERNAL_* or host variables", async () => {
    const { data, error } = await anon.functions.invoke('env');
    expect(error).toBeNull();
    expect(data.SUPABASE_URL).toBe(gw.url);
    expect(data.SUPABASE_ANON_KEY).toBe(stack.anonKey);
    expect(data.SUPABASE_SERVICE_ROLE_KEY).toBe(stack.serviceRoleKey);
    expect(data.SUPABASE_DB_URL).toBe(stack.dbUrl);
    expect(JSON.parse(data.SUPABASE_PUBLISHABLE_KEYS)).toEqual({ default: stack.publishableKey });
    expect(JSON.parse(data.SUPABASE_SECRET_KEYS)).toEqual({ default: stack.secretKey });
    expect(JSON.parse(data.SUPABASE_JWKS).keys[0]).toMatchObject({ kty: 'oct', alg: 'HS256' });
    expect(data.FIXTURE_GREETING).toBe('hello from .env');
    expect(data.SUPABASE_INTERNAL_TEST).toBeNull();
    expect(data.HOME).toBeNull();
    // Deno puts only its own Node-compatibility shim folder on PATH; the host's PATH stays out.
    for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) expect(String(data.PATH ?? '').split(':')).not.toContain(dir);
  });

  it('serves an entrypoint outside supabase/functions: the product health function, which can reach the database', async () => {
    const { data, error } = await anon.functions.invoke('health', { method: 'GET' });
    expect(error).toBeNull();
    expect(data.status).toBe('ok');
    expect(data.checks.database).toBe('ok');
    expect(JSON.stringify(data)).not.toContain(stack.serviceRoleKey);
  });

  it("resolves modules through the function's own deno.json (local alias and npm package)", async () => {
    const { data, error } = await anon.functions.invoke('own-config', { body: { token: stack.serviceRoleKey } });
    expect(error).toBeNull();
    expect(data).toEqual({ greeting: "resolved through this function's own deno.json", role: 'service_role' });
  });

  it("restarts a function's worker when its files change", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fn-reload-'));
    const entry = join(dir, 'fns', 'version', 'index.js');
    mkdirSync(join(dir, 'fns', 'version'), { recursive: true });
    mkdirSync(join(dir, 'supabase'));
    writeFileSync(join(dir, 'supabase', 'config.toml'), '[functions.version]\nverify_jwt = false\nentrypoint = "../fns/version/index.js"\n');
    writeFileSync(entry, "Deno.serve(() => new Response('v1'));\n");
    const own = await startGateway({ configFile: join(dir, 'supabase', 'config.toml'), secretsFiles: [] });
    try {
      const client = createClient(own.url, stack.anonKey, opts);
      expect((await client.functions.invoke('version')).data).toBe('v1');
      writeFileSync(entry, "Deno.serve(() => new Response('v2'));\n");
      const data = await waitFor('the edited function to be served', async () => {
        const r = await client.functions.invoke('version');
        return r.data === 'v2' ? r.data : null;
      });
      expect(data).toBe('v2');
    } finally {
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the running stack serves the repository's supabase/config.toml", () => {
  it('health is public; health-authenticated needs a JWT', async () => {
    const open = await fetch(`${stack.apiUrl}/functions/v1/health`);
    expect(open.status).toBe(200);
    expect(await open.json()).toMatchObject({ status: 'ok', checks: { database: 'ok' } });

    const guarded = await fetch(`${stack.apiUrl}/functions/v1/health-authenticated`);
    expect(guarded.status).toBe(401);
    expect(await guarded.json()).toEqual({ msg: 'Error: Missing authorization header' });

    const { data, error } = await createClient(stack.apiUrl, stack.publishableKey, opts).functions.invoke('health-authenticated', {
      method: 'GET'
    });
    expect(error).toBeNull();
    expect(data.status).toBe('ok');
  });
});

describe('pg_cron and pg_net', () => {
  const nonce = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const echoCalls = (tag: string) => gw.calls.filter((c) => c.path === '/echo' && c.search.includes(tag));

  // pg_cron 1.4 (Debian's) schedules by the minute, so this waits for the next minute boundary.
  it('pg_cron job → net.http_post → function called, response recorded', { timeout: 90_000 }, async () => {
    const tag = nonce();
    const job = `functions-test-${tag}`;
    const command = `select net.http_post(
      url := '${gw.url}/functions/v1/echo',
      params := jsonb_build_object('tag', '${tag}'),
      headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ${stack.anonKey}'),
      body := jsonb_build_object('tag', '${tag}', 'source', 'pg_cron'))`;
    await db.query(`select cron.schedule($1, '* * * * *', $2)`, [job, command]);
    try {
      const row = await waitFor('a recorded response from the cron job', async () => {
        const { rows } = await db.query<{ status_code: number; content: string; content_type: string }>(
          `select status_code, content, content_type from net._http_response where content like $1 limit 1`,
          [`%${tag}%`]
        );
        return rows[0];
      }, 75_000);
      expect(row.status_code).toBe(200);
      expect(row.content_type).toMatch(/^application\/json/);
      expect(JSON.parse(row.content)).toEqual({ tag, source: 'pg_cron' });
      expect(echoCalls(tag).length).toBeGreaterThanOrEqual(1);
      expect(echoCalls(tag)[0]!.method).toBe('POST');
    } finally {
      await db.query(`select cron.unschedule($1)`, [job]);
      await db.query(`delete from net._http_response where content like $1`, [`%${tag}%`]);
    }
  });

  it('sends net.http_post only after commit, and never for a rolled-back transaction', async () => {
    const committed = nonce();
    const rolledBack = nonce();
    const post = (tag: string) =>
      `select net.http_post(url := '${gw.url}/functions/v1/echo', params := jsonb_build_object('tag', '${tag}'), body := jsonb_build_object('tag', '${tag}'))`;
    const client = await db.connect();
    try {
      await client.query('begin');
      await client.query(post(rolledBack));
      await client.query('rollback');

      await client.query('begin');
      await client.query(post(committed));
      // Longer than the worker's sweep: nothing may leave before commit.
      await new Promise((r) => setTimeout(r, 3500));
      expect(echoCalls(committed)).toHaveLength(0);
      await client.query('commit');
    } finally {
      client.release();
    }
    await waitFor('the committed request to reach the function', async () => (echoCalls(committed).length > 0 ? true : null));
    const status = await waitFor('its response row', async () => {
      const r = await db.query<{ status_code: number }>(`select status_code from net._http_response where content like $1`, [`%${committed}%`]);
      return r.rows[0]?.status_code;
    });
    expect(status).toBe(200);
    expect(echoCalls(committed)).toHaveLength(1);
    expect(echoCalls(rolledBack)).toHaveLength(0);
    const leftovers = await db.query(`select 1 from net.http_request_queue where url like $1`, [`%${rolledBack}%`]);
    expect(leftovers.rowCount).toBe(0);
    await db.query(`delete from net._http_response where content like $1`, [`%${committed}%`]);
  });
});
