// Forwards one request to a function's worker unchanged (body and response streamed), the way the CLI's router hands
// it to the edge runtime: same method, headers and body, path `/<slug>/<rest>` plus the query string.
import { request as httpRequest, type Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { sendJson } from '../gateway/http.ts';

/** The edge runtime's answer when a worker fails mid-request. */
export const WORKER_ERROR = { code: 'WORKER_ERROR', message: 'Function exited due to an error (please check logs)' };
export const WORKER_LIMIT = { code: 'WORKER_LIMIT', message: 'Worker failed to respond due to a resource limit (please check logs)' };

// Headers that belong to one hop and must not be copied onto the next.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function copyHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

export interface ProxyTarget {
  port: number;
  path: string;
  /** Replaces the Authorization header (the gateway's sb_ key translation). */
  authorization: string | null;
  agent: Agent;
  /** Wall-clock limit for the whole answer. */
  timeoutMs: number;
}

export function proxyToWorker(req: IncomingMessage, res: ServerResponse, target: ProxyTarget): Promise<void> {
  return new Promise((resolve) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    if (target.authorization) headers.authorization = target.authorization;
    let finished = false;
    const done = () => {
      if (!finished) {
        finished = true;
        resolve();
      }
    };
    const fail = (status: number, body: unknown) => {
      if (!res.headersSent) sendJson(res, status, body);
      else res.destroy();
      done();
    };

    const upstream = httpRequest(
      { host: '127.0.0.1', port: target.port, method: req.method, path: target.path, headers, agent: target.agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.statusMessage, copyHeaders(up.rawHeaders));
        up.pipe(res);
        up.on('end', done);
        up.on('error', () => {
          res.destroy();
          done();
        });
      }
    );
    upstream.setTimeout(target.timeoutMs, () => {
      upstream.destroy();
      fail(546, WORKER_LIMIT);
    });
    upstream.on('error', () => fail(500, WORKER_ERROR));
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
      done();
    });
    req.pipe(upstream);
  });
}
