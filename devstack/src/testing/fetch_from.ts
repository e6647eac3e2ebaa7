// A fetch that connects from a chosen local address (any of 127.0.0.0/8 on loopback), so a test can be one client
// among many as the gateway sees it: the address a per-address limit counts is the connection's, not a header's.
import { request } from 'node:http';

const NULL_BODY = new Set([101, 204, 205, 304]);

export function fetchFrom(localAddress: string): typeof fetch {
  return async (input, init) => {
    const req = new Request(input, init);
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
    const url = new URL(req.url);
    return new Promise<Response>((resolve, reject) => {
      const out = request(
        { host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers: Object.fromEntries(req.headers), localAddress },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
            }
            const status = res.statusCode ?? 502;
            resolve(new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, headers }));
          });
        }
      );
      out.on('error', reject);
      out.end(body);
    });
  };
}

/** A loopback address no other test uses, e.g. 127.83.17.201. */
export function randomLoopbackAddress(): string {
  const b = () => 1 + Math.floor(Math.random() * 253);
  return `127.${b()}.${b()}.${b()}`;
}
