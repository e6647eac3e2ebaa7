// The single origin (default 127.0.0.1:54321) in front of Auth, REST, Realtime and Functions, as the Supabase
// gateway routes them (supabase-api.md §1.1).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { answerPreflight, applyCors } from './cors.ts';
import { appendForwardedFor } from './forwarded.ts';
import { sendJson } from './http.ts';
import { admitHosted, type GatewayRoute, type HostedKeyRules } from './hosted_keys.ts';
import { resolveBearer, type KeySet } from './keys.ts';
import type { RequestContext, Service } from './types.ts';

export interface GatewayServices {
  auth?: Service;
  rest?: Service;
  realtime?: Service;
  functions?: Service;
  /** devstack's own mail outbox (`/devstack/mail`), a stand-in for Inbucket/Mailpit. */
  mail?: Service;
}

const ROUTES: { prefix: string; name: keyof GatewayServices }[] = [
  { prefix: '/auth/v1', name: 'auth' },
  { prefix: '/rest/v1', name: 'rest' },
  { prefix: '/realtime/v1', name: 'realtime' },
  { prefix: '/functions/v1', name: 'functions' },
  { prefix: '/devstack/mail', name: 'mail' }
];

function route(pathname: string): { name: keyof GatewayServices; path: string } | null {
  for (const r of ROUTES) {
    if (pathname === r.prefix || pathname.startsWith(`${r.prefix}/`)) {
      return { name: r.name, path: pathname.slice(r.prefix.length) || '/' };
    }
  }
  return null;
}

type Context = { ok: true; ctx: RequestContext } | { ok: false; status: 401; body: { message: string; hint: string } };

/**
 * The default profile translates keys as the Supabase CLI's gateway does (and never refuses); the hosted one
 * applies the platform's key rules (`hosted` set).
 */
function contextFor(req: IncomingMessage, name: GatewayRoute, path: string, keys: KeySet, hosted: HostedKeyRules | undefined): Context | Promise<Context> {
  const url = new URL(req.url ?? '/', 'http://gateway.local');
  const headerKey = req.headers.apikey;
  const apikey = (Array.isArray(headerKey) ? headerKey[0] : headerKey) ?? url.searchParams.get('apikey');
  if (!hosted) {
    return { ok: true, ctx: { path, url, apikey: apikey ?? null, bearer: resolveBearer(req.headers.authorization, apikey ?? null, keys) } };
  }
  return admitHosted(
    { route: name, method: req.method ?? 'GET', path, authorization: req.headers.authorization, apikey: apikey ?? null, userAgent: req.headers['user-agent'] },
    hosted
  ).then((admitted): Context => (admitted.ok ? { ok: true, ctx: { path, url, apikey: apikey ?? null, bearer: admitted.bearer } } : admitted));
}

export function createGateway(services: GatewayServices, keys: KeySet, log: (line: string) => void, hosted?: HostedKeyRules): Server {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    appendForwardedFor(req);
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    if (url.pathname === '/health') {
      sendJson(res, 200, { status: 'ok', services: Object.keys(services) });
      return;
    }
    const target = route(url.pathname);
    const service = target ? services[target.name] : undefined;
    // Edge functions answer their own preflights; every other service's is the gateway's.
    if (req.method === 'OPTIONS' && target?.name !== 'functions') {
      answerPreflight(req, res);
      return;
    }
    if (target?.name !== 'functions') applyCors(req, res);
    if (!target || !service?.http) {
      sendJson(res, 404, { message: 'no Route matched with those values' });
      return;
    }
    try {
      const admitted = await contextFor(req, target.name, target.path, keys, hosted);
      if (!admitted.ok) {
        sendJson(res, admitted.status, admitted.body);
        return;
      }
      await service.http(req, res, admitted.ctx);
    } catch (err) {
      log(`gateway: unhandled error on ${req.method} ${url.pathname}: ${(err as Error).stack ?? err}`);
      if (!res.headersSent) sendJson(res, 500, { message: 'An unexpected error occurred in the gateway.' });
      else res.end();
    }
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    appendForwardedFor(req);
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    const target = route(url.pathname);
    const service = target ? services[target.name] : undefined;
    if (!target || !service?.upgrade) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const upgrade = service.upgrade;
    const proceed = (admitted: Context) => {
      if (admitted.ok) return upgrade(req, socket, head, admitted.ctx);
      const body = JSON.stringify(admitted.body);
      socket.end(`HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    const context = contextFor(req, target.name, target.path, keys, hosted);
    // The default profile hands the socket over synchronously, as before.
    if (!(context instanceof Promise)) return proceed(context);
    context.then(proceed,
      (err: unknown) => {
        log(`gateway: upgrade failed on ${url.pathname}: ${(err as Error).stack ?? err}`);
        socket.destroy();
      }
    );
  });
  // Keep-alive sockets from clients must not hold the process open at shutdown.
  server.keepAliveTimeout = 5_000;
  return server;
}
