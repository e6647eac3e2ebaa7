// Reading the parts of an HTTP request PostgREST cares about: body, profile, Accept, Range, headers, path.
import type { IncomingMessage } from 'node:http';
import { RestError, badQuery } from './errors.ts';

export class BodyTooLarge extends Error {}

/** Reads the whole body (draining past the limit so the connection stays usable) and decodes it as UTF-8. */
export async function readBodyText(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  if (size > limit) throw new BodyTooLarge(`Request body of ${size} bytes exceeds the ${limit} byte limit`);
  return Buffer.concat(chunks).toString('utf8');
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

export function requestedSchema(req: IncomingMessage, method: string, schemas: string[]): string {
  const name = method === 'GET' || method === 'HEAD' ? 'accept-profile' : 'content-profile';
  const value = header(req, name)?.trim();
  if (!value) return schemas[0]!;
  if (!schemas.includes(value)) {
    throw new RestError(406, 'PGRST106', `Invalid schema: ${value}`, null, `Only the following schemas are exposed: ${schemas.join(', ')}`);
  }
  return value;
}

/** true for `application/vnd.pgrst.object+json` (single()), false for a JSON array. */
export function wantsSingleObject(accept: string | undefined): boolean {
  if (!accept || accept.trim() === '') return false;
  const types = accept.split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  for (const t of types) {
    if (t === 'application/vnd.pgrst.object+json' || t === 'application/vnd.pgrst.object') return true;
    if (t === 'application/json' || t === '*/*' || t === 'application/*' || t === 'application/vnd.pgrst.array+json' || t === '') return false;
  }
  throw new RestError(406, 'PGRST107', `None of these media types are available: ${types.join(', ')}`);
}

export function parseRange(req: IncomingMessage): { offset: number; limit: number | null } | null {
  const value = header(req, 'range');
  if (!value) return null;
  const m = /^(?:items=)?\s*(\d{1,15})-(\d{0,15})\s*$/.exec(value);
  if (!m) return null;
  const from = Number(m[1]);
  const to = m[2] ? Number(m[2]) : null;
  if (to !== null && to < from) throw new RestError(416, 'PGRST103', 'Requested range not satisfiable', `The lower boundary must be lower than or equal to the upper boundary in the Range header.`);
  return { offset: from, limit: to === null ? null : to - from + 1 };
}

export function cookiesOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header(req, 'cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

export function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export function route(path: string): { kind: 'root' } | { kind: 'table' | 'rpc'; name: string } {
  let segments: string[];
  try {
    segments = path.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    throw badQuery('Invalid path specified in request URL', 'the path is not valid percent-encoding');
  }
  if (segments.length === 0) return { kind: 'root' };
  if (segments.length === 1) return { kind: 'table', name: segments[0]! };
  if (segments.length === 2 && segments[0] === 'rpc') return { kind: 'rpc', name: segments[1]! };
  throw new RestError(404, 'PGRST125', 'Invalid path specified in request URL');
}

