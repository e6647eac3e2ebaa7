import type { IncomingMessage, ServerResponse } from 'node:http';

// Browsers preflight every supabase-js request; these mirror the hosted gateway (supabase-api.md §1.2).
const ALLOW_HEADERS =
  'authorization, apikey, content-type, x-client-info, x-supabase-api-version, accept-profile, content-profile, ' +
  'prefer, range, range-unit, x-retry-count, x-region, x-upsert, accept';
const EXPOSE_HEADERS =
  'Content-Range, Content-Location, Location, Preference-Applied, X-Total-Count, Link, X-Supabase-Api-Version, x-sb-error-code';

export function applyCors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  res.setHeader('Access-Control-Allow-Origin', origin ?? '*');
  if (origin) res.setHeader('Vary', 'Origin');
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Access-Control-Expose-Headers', EXPOSE_HEADERS);
}

/** Answers a CORS preflight. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  applyCors(req, res);
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD');
  res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? ALLOW_HEADERS);
  res.setHeader('Access-Control-Max-Age', '86400');
  res.writeHead(204);
  res.end();
}
