// /rest/v1: a PostgREST-compatible subset over the devstack database (supabase-api.md §3). Every request runs
// in its own transaction as the JWT's role, and PostgreSQL renders the JSON that goes back.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jwtKeysOf, type RequestContext, type Service, type ServiceDeps } from '../gateway/types.ts';
import { RestError, badBody, badQuery, fromPgError } from './errors.ts';
import { parsePrefer } from './prefer.ts';
import { planRequest, type Plan } from './plan.ts';
import { checkRole, identify } from './request_auth.ts';
import {
  BodyTooLarge, cookiesOf, header, headersOf, parseRange, readBodyText, requestedSchema, route, wantsSingleObject
} from './request_parts.ts';
import { runRequest } from './request_tx.ts';
import { openApiRoot, respond, send, sendError, singularCheck } from './response.ts';
import { SchemaCache } from './schema_cache.ts';
import { listenForReloads } from './schema_listener.ts';

const DEFAULT_SCHEMAS = ['public', 'graphql_public'];
const DEFAULT_MAX_BODY = 8 * 1024 * 1024;
/** Errors that may only mean the cache is older than the catalog. */
const CACHE_MISSES = new Set(['PGRST200', 'PGRST202', 'PGRST204', 'PGRST205']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PATCH', 'DELETE']);

export function exposedSchemas(extra: string | undefined): string[] {
  const list = [...DEFAULT_SCHEMAS];
  for (const s of (extra ?? '').split(',').map((x) => x.trim())) if (s && !list.includes(s)) list.push(s);
  return list;
}

interface Env {
  deps: ServiceDeps;
  cache: SchemaCache;
  schemas: string[];
  maxBody: number;
}

async function handle(env: Env, req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
  const started = Date.now();
  const method = (req.method ?? 'GET').toUpperCase();
  let role = 'anon';
  try {
    let bodyText: string | null = null;
    if (method !== 'GET' && method !== 'HEAD') {
      try {
        bodyText = await readBodyText(req, env.maxBody);
      } catch (err) {
        if (err instanceof BodyTooLarge) throw new RestError(413, 'PGRST102', 'Request body is too large', err.message, 'Send fewer or smaller rows per request.');
        throw err;
      }
    }
    if (!METHODS.has(method)) throw new RestError(405, 'PGRST117', `Unsupported HTTP method: ${method}`);
    const identity = await identify(ctx.bearer, jwtKeysOf(env.deps));
    role = identity.role;
    const target = route(ctx.path);
    // NUL cannot travel inside SQL text or text parameters; refuse it up front.
    for (const [k, v] of ctx.url.searchParams) {
      if (k.includes('\u0000') || v.includes('\u0000')) throw badQuery('"failed to parse query string"', 'NUL characters are not allowed in query parameters');
    }
    if ('name' in target && target.name.includes('\u0000')) throw badQuery('Invalid path specified in request URL', 'NUL characters are not allowed in the path');
    const schema = requestedSchema(req, method, env.schemas);
    const single = wantsSingleObject(header(req, 'accept'));
    const prefs = parsePrefer(req.headers.prefer);
    let body: unknown = undefined;
    if (bodyText !== null && bodyText.trim() !== '') {
      try {
        body = JSON.parse(bodyText);
      } catch (err) {
        throw badBody('Empty or invalid json', (err as Error).message);
      }
    } else if (method === 'POST' && target.kind === 'table') {
      throw badBody('Empty or invalid json', 'The request body is empty');
    } else if (method === 'PATCH') {
      throw badBody('Empty or invalid json', 'The request body is empty');
    }
    let snap = await env.cache.get();
    const roleSettings = checkRole(snap, role);
    if (target.kind === 'root') {
      send(res, method, 200, openApiRoot(snap, schema), { 'Content-Type': 'application/openapi+json; charset=utf-8' });
      return;
    }
    const input = {
      method,
      schema,
      name: target.name,
      rpc: target.kind === 'rpc',
      search: ctx.url.searchParams,
      body,
      bodyText: body === undefined ? null : bodyText,
      prefs,
      range: method === 'GET' || method === 'HEAD' ? parseRange(req) : null
    };
    let plan: Plan;
    try {
      plan = planRequest(snap, input);
    } catch (err) {
      if (!(err instanceof RestError) || !CACHE_MISSES.has(err.code)) throw err;
      const fresh = await env.cache.refreshAfterMiss(started);
      if (!fresh || fresh === snap) throw err;
      snap = fresh;
      plan = planRequest(snap, input);
    }
    const result = await runRequest(
      env.deps.db,
      {
        readOnly: plan.readOnly,
        role,
        claims: identity.claims,
        method,
        path: ctx.path,
        headers: headersOf(req),
        cookies: cookiesOf(req),
        schema,
        roleSettings
      },
      plan.sql,
      plan.values,
      singularCheck(single, prefs)
    );
    respond(res, method, ctx.url, plan, result, single, prefs);
  } catch (err) {
    // The client went away mid-request: there is nobody to answer.
    if ((err as Error)?.message === 'aborted' && (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
      res.destroy();
      return;
    }
    const e = fromPgError(err, role);
    // The top-level relation is aliased t0 in SQL; name it as the client did.
    if (e.code === '42703' && /^column t0\./.test(e.message)) {
      const name = ctx.path.split('/').filter(Boolean).pop() ?? 't0';
      (e as { message: string }).message = e.message.replace(/^column t0\./, `column ${name}.`);
    }
    if (e.status >= 500) env.deps.log(`rest: ${method} ${ctx.path} failed: ${(err as Error)?.stack ?? err}`);
    sendError(res, method, e);
  }
}

export async function createService(deps: ServiceDeps): Promise<Service> {
  const schemas = exposedSchemas(process.env.REST_EXTRA_SCHEMAS);
  const maxBody = Number(process.env.REST_MAX_BODY_BYTES) > 0 ? Number(process.env.REST_MAX_BODY_BYTES) : DEFAULT_MAX_BODY;
  const cache = new SchemaCache(deps.db, schemas, deps.log);
  try {
    await cache.reload();
  } catch (err) {
    deps.log(`rest: schema cache not loaded yet (${(err as Error).message}); will retry on first request`);
  }
  const listener = listenForReloads(deps.config, cache, deps.log);
  const env: Env = { deps, cache, schemas, maxBody };
  return {
    http: (req, res, ctx) => handle(env, req, res, ctx),
    close: () => listener.close()
  };
}
