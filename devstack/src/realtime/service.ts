// Realtime stand-in (supabase-api.md §4): the Phoenix socket at /realtime/v1/websocket and the broadcast REST
// endpoints, over change capture from the database's WAL.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { dbUrl } from '../config.ts';
import { jwtKeysOf, type RequestContext, type Service, type ServiceDeps } from '../gateway/types.ts';
import { Connection } from './connection.ts';
import { DbBroadcastListener } from './db_broadcast.ts';
import { parseVsn } from './framing.ts';
import { Hub } from './hub.ts';
import { PostgresChanges } from './postgres_changes.ts';
import { handleRestBroadcast } from './rest_broadcast.ts';
import { verifyToken } from './token.ts';
import { WalStream } from './wal_stream.ts';

function refuse(socket: Duplex, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

export async function createService(deps: ServiceDeps): Promise<Service> {
  const log = deps.log;
  const connectionString = dbUrl();
  const jwtKeys = jwtKeysOf(deps);
  const hub = new Hub();
  const changes = new PostgresChanges(deps.db, connectionString, log);
  const connections = new Set<Connection>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });

  // Change capture starts in the background (creating a slot waits for open transactions) and restarts after
  // losing its connection. A temporary slot per process: two gateways on one database never steal changes.
  let wal: WalStream | null = null;
  let walRetry: NodeJS.Timeout | null = null;
  let walRetryMs = 1_000;
  let closing = false;
  const startWal = (): void => {
    if (closing) return;
    const stream = new WalStream({
      connectionString,
      slotName: `devstack_realtime_${process.pid}_${randomBytes(3).toString('hex')}`,
      onTransaction: (tx) => changes.handleTransaction(tx),
      active: () => changes.hasSubscriptions,
      wants: (schema, table) => changes.wants(schema, table),
      onEnd: (err) => {
        log(`realtime: change capture stopped${err ? `: ${err.message}` : ''}; restarting`);
        retryWal();
      },
      log
    });
    wal = stream;
    stream.start().then(() => {
      walRetryMs = 1_000;
    }, (err) => {
      log(`realtime: change capture unavailable: ${(err as Error).message}; retrying`);
      void stream.close();
      retryWal();
    });
  };
  const retryWal = (): void => {
    if (closing || walRetry) return;
    // Backs off (up to 30 s) when, say, every replication slot of the cluster is taken.
    walRetry = setTimeout(() => {
      walRetry = null;
      startWal();
    }, walRetryMs);
    walRetryMs = Math.min(walRetryMs * 2, 30_000);
    walRetry.unref();
  };
  startWal();
  const listener = new DbBroadcastListener(connectionString, deps.db, hub, log);
  await listener.start();

  return {
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: RequestContext) {
      socket.on('error', () => undefined);
      if (ctx.path !== '/websocket' && ctx.path !== '/websocket/') {
        refuse(socket, 404, 'Not Found', `No Realtime socket at ${ctx.path}; connect to /realtime/v1/websocket.`);
        return;
      }
      const vsn = parseVsn(ctx.url.searchParams.get('vsn'));
      if (!vsn) {
        refuse(socket, 400, 'Bad Request', 'Unsupported protocol version: use vsn=1.0.0 or vsn=2.0.0.');
        return;
      }
      if (!ctx.apikey) {
        refuse(socket, 401, 'Unauthorized', 'No apikey was found in the request; pass it as the apikey query parameter.');
        return;
      }
      void verifyToken(ctx.bearer, jwtKeys).then((verified) => {
        if (!verified.ok) {
          refuse(socket, 401, 'Unauthorized', verified.message);
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
          const conn = new Connection(ws, vsn, verified.value, { hub, changes, db: deps.db, jwtKeys, log });
          connections.add(conn);
          ws.on('close', () => connections.delete(conn));
        });
      });
    },

    async http(req, res, ctx) {
      await handleRestBroadcast(req, res, ctx, { hub, db: deps.db, jwtKeys });
    },

    async close() {
      for (const c of connections) c.close();
      connections.clear();
      wss.close();
      closing = true;
      if (walRetry) clearTimeout(walRetry);
      await Promise.all([wal?.close(), listener.close(), changes.close()]);
    }
  };
}
