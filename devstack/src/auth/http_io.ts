// Request bodies and responses for the Auth endpoints.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthError, errorResponse, errors, OAuthError } from './errors.ts';
import { isPlainObject } from './validation.ts';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Reads a JSON object body. An oversized body is drained (so the client sees the 413 instead of a reset
 * connection) unless it is absurdly large, in which case the socket is dropped after the answer.
 */
export async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
    else if (size > limit * 16) break;
  }
  if (size > limit) {
    throw new AuthError(413, 'validation_failed', `The request body is larger than ${limit} bytes. Send a smaller JSON object.`);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw errors.badJson();
  }
  if (!isPlainObject(parsed)) throw errors.validation('The request body must be a JSON object, for example {"email": "...", "password": "..."}.');
  return parsed;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function send(res: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status, reply.headers ?? {});
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'Content-Type': 'application/json', ...(reply.headers ?? {}) });
  res.end(text);
}

export function sendError(req: IncomingMessage, res: ServerResponse, err: AuthError | OAuthError): void {
  const out = errorResponse(err, header(req, 'x-supabase-api-version'));
  const headers = { ...out.headers };
  // An unread (oversized) body is left behind: close the connection rather than parse garbage as the next request.
  if (err instanceof AuthError && err.status === 413) headers.Connection = 'close';
  send(res, { status: out.status, body: out.body, headers });
}

export function clientInfo(req: IncomingMessage): { userAgent: string | null; ip: string | null } {
  const ua = header(req, 'user-agent');
  const ip = req.socket.remoteAddress ?? null;
  return { userAgent: ua ? ua.slice(0, 1000) : null, ip };
}
