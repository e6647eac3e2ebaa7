// A `fetch` on node:http(s) with a keep-alive Agent, for the LLM client. Node's global fetch (undici) lets an idle
// connection go after about 4 s, shorter than a caller's turn, so every answer would pay a new TCP and TLS handshake
// before its first token. Here idle sockets stay open for `idleMs` (the vendor may still close them first).
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

export interface KeepAliveFetchOptions {
  /** How long an idle connection is kept. */
  idleMs: number;
  /** Connections per origin, idle or busy. */
  maxSockets: number;
}

export function keepAliveFetch(opts: KeepAliveFetchOptions): typeof fetch {
  const agentOpts = { keepAlive: true, keepAliveMsecs: 1000, timeout: opts.idleMs, maxSockets: opts.maxSockets, maxFreeSockets: opts.maxSockets, scheduling: 'lifo' as const };
  const agents = { 'http:': new http.Agent(agentOpts), 'https:': new https.Agent(agentOpts) };
  return (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    const agent = agents[url.protocol as 'http:' | 'https:'];
    if (!agent) throw new TypeError(`keepAliveFetch: unsupported protocol ${url.protocol}`);
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : null;
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => (headers[k] = v));
    if (body) headers['content-length'] = String(body.length);
    return new Promise<Response>((resolve, reject) => {
      const signal = req.signal;
      const abortErr = () => new DOMException('This operation was aborted', 'AbortError');
      if (signal.aborted) return reject(abortErr());
      let response: http.IncomingMessage | null = null;
      const r = (url.protocol === 'https:' ? https : http).request(url, { method: req.method, headers, agent }, (res) => {
        response = res;
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) for (const x of v) h.append(k, x);
          else if (v !== undefined) h.set(k, v);
        }
        const status = res.statusCode ?? 0;
        const noBody = req.method === 'HEAD' || status === 204 || status === 304;
        if (noBody) res.resume();
        resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers: h }));
      });
      // The body's reader must see an AbortError, as with fetch, not the socket's reset.
      const onAbort = () => {
        response?.destroy(abortErr());
        r.destroy(abortErr());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      r.on('close', () => signal.removeEventListener('abort', onAbort));
      r.on('error', reject);
      r.end(body ?? undefined);
    });
  }) as typeof fetch;
}
