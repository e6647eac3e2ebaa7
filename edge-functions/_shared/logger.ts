// The functions' logger: one JSON object per line (core/src/log_line.ts), carrying the function's name, the request
// id and, once a handler knows it, the call id. Every line a request causes, deep inside shared code too, gets the
// request id without threading it through every signature: the request runs inside an AsyncLocalStorage context.
import { AsyncLocalStorage } from 'node:async_hooks';
import { ERROR_CATALOGUE } from '../../core/src/errors.ts';
import { formatLogLine, type Log, type LogFields } from '../../core/src/log_line.ts';
import { fail } from './responses.ts';

interface RequestContext {
  request_id: string;
  call_id?: string;
}

const context = new AsyncLocalStorage<RequestContext>();

// A caller-supplied id is echoed into logs and a response header: keep it short and printable.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's id: the one the platform or a proxy in front gave it (`x-request-id`, or `sb-request-id`), so a
 * line here can be matched with the gateway's own log, else a new one.
 */
export function requestIdOf(req: Request): string {
  for (const name of ['x-request-id', 'sb-request-id']) {
    const v = req.headers.get(name)?.trim();
    if (v && REQUEST_ID.test(v)) return v;
  }
  return crypto.randomUUID();
}

/** Ties the current request's lines to a call, once the handler knows which call it is about. */
export function logCallId(callId: string): void {
  const ctx = context.getStore();
  if (ctx) ctx.call_id = callId;
}

/** A function's logger; `write` is for tests. */
export function functionLogger(fn: string, write: (line: string) => void = (line) => console.log(line), now: () => Date = () => new Date()): Log {
  return (msg: string, fields?: LogFields) => {
    const ctx = context.getStore();
    write(formatLogLine(now(), msg, { request_id: ctx?.request_id, call_id: ctx?.call_id, fn, ...fields }));
  };
}

/**
 * Wraps a function's handler: the request runs with its id in context, the answer carries it back in
 * `x-request-id` (so a user's report can name it), and one line records the outcome. An exception that escapes the
 * handler is logged with the id and answered 500 in the product's error format instead of a bare stack trace.
 */
export function withRequestLog(log: Log, handler: (req: Request) => Response | Promise<Response>): (req: Request) => Promise<Response> {
  return (req) => {
    const ctx: RequestContext = { request_id: requestIdOf(req) };
    return context.run(ctx, async () => {
      const started = performance.now();
      let res: Response;
      try {
        res = await handler(req);
      } catch (err) {
        log('request.failed', { level: 'error', err: err as Error });
        res = fail(500, 'internal_error', ERROR_CATALOGUE.internal_error.message);
      }
      try {
        res.headers.set('x-request-id', ctx.request_id);
      } catch {
        // Immutable headers (a proxied fetch response): the id is still in the log line.
      }
      const { pathname } = new URL(req.url);
      log('request', { level: res.status >= 500 ? 'error' : 'info', method: req.method, path: pathname, status: res.status, ms: Math.round(performance.now() - started) });
      return res;
    });
  };
}
