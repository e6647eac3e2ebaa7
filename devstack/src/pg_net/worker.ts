// devstack's pg_net background worker: sends what `net.http_get/post/delete` queued once the caller's transaction
// committed, and records each answer in `net._http_response` (supabase-api.md §5). Woken by the queue's NOTIFY,
// with a periodic sweep for anything queued while no worker was listening. Each request is claimed by deleting it
// from the queue, so several workers (or several devstack processes) never send one twice.
import type pg from 'pg';
import type { ServiceDeps } from '../gateway/types.ts';
import { sendRequest, type QueuedRequest, type ResponseRow } from './http_sender.ts';

const CHANNEL = 'net_http_request';
const BATCH = 50;

export interface PgNetWorkerOptions {
  pollMs?: number;
  /** How long responses are kept, as `pg_net.ttl`. */
  ttl?: string;
}

export interface PgNetWorker {
  close: () => Promise<void>;
  /** Sends everything queued now; resolves when those responses are recorded. */
  drain: () => Promise<void>;
}

const CLAIM_SQL = `
  delete from net.http_request_queue
  where id in (select id from net.http_request_queue order by id limit $1 for update skip locked)
  returning id::text, method, url, headers, body, timeout_milliseconds`;

const RECORD_SQL = `
  insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
  values ($1, $2, $3, $4, $5, $6, $7)`;

export function createPgNetWorker(deps: ServiceDeps, options: PgNetWorkerOptions = {}): PgNetWorker {
  const { db, log } = deps;
  const pollMs = options.pollMs ?? 3000;
  let closed = false;
  let listener: pg.PoolClient | null = null;
  let draining: Promise<void> | null = null;
  let again = false;
  const inFlight = new Set<Promise<void>>();
  let lastProblem = '';

  const problem = (msg: string) => {
    // A missing net schema or a restarting database would otherwise log the same line every sweep.
    if (msg !== lastProblem) log(`pg_net worker: ${msg}`);
    lastProblem = msg;
  };

  async function record(row: ResponseRow): Promise<void> {
    await db.query(RECORD_SQL, [
      row.id,
      row.status_code,
      row.content_type,
      row.headers === null ? null : JSON.stringify(row.headers),
      row.content,
      row.timed_out,
      row.error_msg
    ]);
  }

  function send(req: QueuedRequest): Promise<void> {
    const p = sendRequest(req)
      .then(record)
      .catch((err: Error) => problem(`could not record the response to request ${req.id}: ${err.message}`))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    return p;
  }

  async function drainOnce(): Promise<void> {
    for (;;) {
      const { rows } = await db.query<QueuedRequest>(CLAIM_SQL, [BATCH]);
      if (rows.length === 0) return;
      await Promise.all(rows.map(send));
      if (rows.length < BATCH) return;
    }
  }

  function drain(): Promise<void> {
    if (closed) return Promise.resolve();
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      try {
        do {
          again = false;
          await drainOnce();
        } while (again && !closed);
        lastProblem = '';
      } catch (err) {
        // 42P01/3F000: no pg_net yet (a hosted project before `create extension pg_net`); the sweep picks it up later.
        const code = (err as { code?: string }).code;
        problem(code === '42P01' || code === '3F000'
          ? 'net.http_request_queue does not exist yet; waiting for "create extension pg_net"'
          : `could not read the request queue: ${(err as Error).message}`);
      } finally {
        draining = null;
      }
    })();
    return draining;
  }

  async function listen(): Promise<void> {
    if (closed || listener) return;
    try {
      const client = await db.connect();
      listener = client;
      client.on('notification', () => void drain());
      client.on('error', (err) => {
        problem(`listener connection lost: ${err.message}`);
        if (listener === client) listener = null;
        client.release(err);
      });
      await client.query(`set application_name = 'devstack pg_net worker'; listen ${CHANNEL}`);
    } catch (err) {
      problem(`could not listen for requests: ${(err as Error).message}`);
      listener?.release(err as Error);
      listener = null;
    }
  }

  async function purge(): Promise<void> {
    await db
      .query(`delete from net._http_response where created < now() - $1::interval`, [options.ttl ?? '6 hours'])
      .catch(() => undefined);
  }

  let sweeps = 0;
  const timer = setInterval(() => {
    void listen();
    void drain();
    if (sweeps++ % 100 === 0) void purge();
  }, pollMs);
  timer.unref();
  void listen().then(drain);

  return {
    drain,
    async close() {
      closed = true;
      clearInterval(timer);
      if (listener) {
        await listener.query(`unlisten ${CHANNEL}`).catch(() => undefined);
        listener.release();
        listener = null;
      }
      await draining;
      await Promise.all([...inFlight]);
    }
  };
}

export async function createService(deps: ServiceDeps): Promise<{ close: () => Promise<void> }> {
  const worker = createPgNetWorker(deps);
  deps.log('pg_net worker: sending net.http_* requests after commit (devstack stand-in for the pg_net extension)');
  return { close: worker.close };
}
