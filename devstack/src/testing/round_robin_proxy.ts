// A load balancer in front of several relays, for tests: a TCP proxy that hands each new connection to the next
// relay in turn, skipping one whose /readyz does not answer 200 (as a load balancer's health check does), and then
// copies bytes both ways. It works below HTTP, so the WebSocket upgrade, its Host header and Twilio's signature over
// the public stream URL reach the relay exactly as they left the carrier.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Backend {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
}

export interface RoundRobinProxy {
  /** Which backend each connection went to, in order. */
  readonly routed: string[];
  close(): Promise<void>;
}

async function ready(b: Backend): Promise<boolean> {
  return fetch(`${b.url}/readyz`, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false);
}

export async function startRoundRobinProxy(port: number, backends: readonly Backend[]): Promise<RoundRobinProxy> {
  let next = 0;
  const routed: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    client.pause(); // hold the request until a relay is chosen
    void (async () => {
      for (let tried = 0; tried < backends.length; tried++) {
        const b = backends[next++ % backends.length]!;
        if (!(await ready(b))) continue;
        const { hostname, port: p } = new URL(b.url);
        const upstream = connect(Number(p), hostname);
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.once('connect', () => {
          routed.push(b.url);
          client.pipe(upstream);
          upstream.pipe(client);
          client.resume();
        });
        return;
      }
      client.destroy(); // no relay ready: as a load balancer with no healthy target
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    routed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      })
  };
}
