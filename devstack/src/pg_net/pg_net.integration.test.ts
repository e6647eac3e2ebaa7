// net.http_* against the running devstack: requests leave after commit, answers land in net._http_response, and
// competing workers never send a request twice.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../config.ts';
import type { ServiceDeps } from '../gateway/types.ts';
import { stack } from '../testing/stack_env.ts';
import { createPgNetWorker } from './worker.ts';

let db: pg.Pool;
let server: Server;
let base: string;
const received: { method: string; url: string; body: string; headers: Record<string, unknown> }[] = [];

beforeAll(async () => {
  db = new pg.Pool({ connectionString: stack.dbUrl, max: 6 });
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', body, headers: req.headers });
      if (req.url?.startsWith('/slow')) {
        setTimeout(() => res.end('late'), 2000);
        return;
      }
      res.writeHead(req.url?.startsWith('/missing') ? 404 : 200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Seen': req.method ?? '' });
      res.end(`${req.method} ${req.url} ${body}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await db.end();
});

interface Row {
  status_code: number | null;
  content_type: string | null;
  headers: Record<string, string> | null;
  content: string | null;
  timed_out: boolean | null;
  error_msg: string | null;
}

async function responseFor(id: string, timeoutMs = 15_000): Promise<Row> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<Row>(
      'select status_code, content_type, headers, content, timed_out, error_msg from net._http_response where id = $1',
      [id]
    );
    if (rows[0]) return rows[0];
    if (Date.now() > until) throw new Error(`no response recorded for request ${id}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const tag = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

describe('pg_net worker', () => {
  it('sends http_post with its JSON body and headers and records status, headers and content', async () => {
    const t = tag();
    const { rows } = await db.query<{ id: string }>(
      `select net.http_post($1, jsonb_build_object('tag', $2::text), jsonb_build_object('q', $2::text),
         jsonb_build_object('Content-Type', 'application/json', 'X-Custom', 'yes'))::text as id`,
      [`${base}/post`, t]
    );
    const row = await responseFor(rows[0]!.id);
    expect(row).toMatchObject({ status_code: 200, content_type: 'text/plain; charset=utf-8', timed_out: false, error_msg: null });
    expect(row.content).toBe(`POST /post?q=${t} {"tag": "${t}"}`);
    expect(row.headers?.['x-seen']).toBe('POST');
    const req = received.find((r) => r.url === `/post?q=${t}`)!;
    expect(req.headers['x-custom']).toBe('yes');
    expect(req.headers['content-type']).toBe('application/json');
  });

  it('sends http_get and http_delete and records non-2xx answers as they are', async () => {
    const t = tag();
    const get = await db.query<{ id: string }>(`select net.http_get($1)::text as id`, [`${base}/missing/${t}`]);
    const del = await db.query<{ id: string }>(`select net.http_delete($1, body := '{"x":1}')::text as id`, [`${base}/del/${t}`]);
    expect((await responseFor(get.rows[0]!.id)).status_code).toBe(404);
    const d = await responseFor(del.rows[0]!.id);
    expect(d.status_code).toBe(200);
    expect(d.content).toBe(`DELETE /del/${t} {"x": 1}`);
  });

  it('records a timeout and a connection failure instead of a status', async () => {
    const slow = await db.query<{ id: string }>(`select net.http_get($1, timeout_milliseconds := 300)::text as id`, [`${base}/slow/${tag()}`]);
    const refused = await db.query<{ id: string }>(`select net.http_get('http://127.0.0.1:9/')::text as id`);
    expect(await responseFor(slow.rows[0]!.id)).toMatchObject({ status_code: null, timed_out: true, error_msg: 'Timeout of 300 ms reached' });
    const r = await responseFor(refused.rows[0]!.id);
    expect(r).toMatchObject({ status_code: null, timed_out: false });
    expect(r.error_msg).toMatch(/ECONNREFUSED/);
  });

  it('refuses a non-JSON content type at call time, queueing nothing', async () => {
    await expect(
      db.query(`select net.http_post($1, '{}'::jsonb, '{}'::jsonb, '{"Content-Type":"text/plain"}'::jsonb)`, [`${base}/x`])
    ).rejects.toThrow(/only application\/json/);
  });

  it('sends each request exactly once while several workers compete for the queue', async () => {
    const deps: ServiceDeps = { config, db, anonKey: stack.anonKey, serviceRoleKey: stack.serviceRoleKey, log: () => undefined };
    const workers = [createPgNetWorker(deps, { pollMs: 100 }), createPgNetWorker(deps, { pollMs: 100 })];
    try {
      const t = tag();
      const { rows } = await db.query<{ id: string }>(
        `select net.http_get($1 || '/many/' || $2 || '/' || n)::text as id from generate_series(1, 40) n`,
        [base, t]
      );
      await Promise.all([...workers.map((w) => w.drain()), ...workers.map((w) => w.drain())]);
      for (const { id } of rows) expect((await responseFor(id)).status_code).toBe(200);
      const hits = received.filter((r) => r.url.startsWith(`/many/${t}/`)).map((r) => r.url);
      expect(hits).toHaveLength(40);
      expect(new Set(hits).size).toBe(40);
      const { rows: counts } = await db.query<{ n: number }>(
        'select count(*)::int as n from net._http_response where id = any($1::bigint[])',
        [rows.map((r) => r.id)]
      );
      expect(counts[0]!.n).toBe(40);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
  });
});
