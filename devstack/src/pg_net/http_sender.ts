// Sends one queued pg_net request and describes the outcome as a `net._http_response` row.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface QueuedRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, unknown> | null;
  body: Buffer | null;
  timeout_milliseconds: number;
}

export interface ResponseRow {
  id: string;
  status_code: number | null;
  content_type: string | null;
  headers: Record<string, string> | null;
  content: string | null;
  timed_out: boolean;
  error_msg: string | null;
}

function headerRecord(raw: Record<string, unknown> | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (value !== null && value !== undefined) out[name] = String(value);
  }
  return out;
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
}

/** One HTTP exchange with node:http (fetch refuses some ports that pg_net, built on libcurl, happily calls). */
export function sendRequest(req: QueuedRequest): Promise<ResponseRow> {
  const base = { id: req.id, status_code: null, content_type: null, headers: null, content: null };
  const timeoutMs = Math.max(1, req.timeout_milliseconds);
  return new Promise((resolve) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (row: ResponseRow) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(row);
    };
    let url: URL;
    try {
      url = new URL(req.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol}`);
    } catch (err) {
      finish({ ...base, timed_out: false, error_msg: `Invalid URL "${req.url}": ${(err as Error).message}` });
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = req.body && req.body.length > 0 ? req.body : null;
    const headers = headerRecord(req.headers);
    if (body && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
      headers['Content-Length'] = String(body.length);
    }
    const outgoing = send(url, { method: req.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => finish({ ...base, timed_out: false, error_msg: describeError(err) }));
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        finish({
          ...base,
          status_code: res.statusCode ?? null,
          content_type: res.headers['content-type'] ?? null,
          headers,
          content: Buffer.concat(chunks).toString('utf8'),
          timed_out: false,
          error_msg: null
        });
      });
    });
    timer = setTimeout(() => {
      finish({ ...base, timed_out: true, error_msg: `Timeout of ${timeoutMs} ms reached` });
      outgoing.destroy();
    }, timeoutMs);
    outgoing.on('error', (err) => finish({ ...base, timed_out: false, error_msg: describeError(err) }));
    outgoing.end(body ?? undefined);
  });
}
