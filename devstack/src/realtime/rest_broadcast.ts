// Broadcast over HTTP: `POST /api/broadcast` (realtime-js falls back to it when a channel is not joined) and
// `POST /api/broadcast/<topic>/events/<event>` (channel.httpSend). Both answer 202.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import { BodyTooLargeError, readBody, sendJson } from '../gateway/http.ts';
import type { JwtKeyInput } from '../gateway/jwt.ts';
import type { RequestContext } from '../gateway/types.ts';
import { channelPermissions } from './authorization.ts';
import type { UserBroadcast } from './framing.ts';
import type { Hub } from './hub.ts';
import { verifyToken, type VerifiedToken } from './token.ts';

export interface RestBroadcastDeps {
  hub: Hub;
  db: pg.Pool;
  jwtKeys: JwtKeyInput;
}

interface Outgoing {
  topic: string;
  isPrivate: boolean;
  broadcast: UserBroadcast;
}

function badRequest(res: ServerResponse, message: string): void {
  sendJson(res, 400, { error: message, message });
}

function parseBatch(body: Buffer): Outgoing[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return 'The request body must be JSON: {"messages": [{"topic", "event", "payload", "private"}]}.';
  }
  const messages = (parsed as { messages?: unknown })?.messages;
  if (!Array.isArray(messages)) return 'The request body must have a "messages" array.';
  const out: Outgoing[] = [];
  for (const [i, m] of messages.entries()) {
    const o = (m ?? {}) as Record<string, unknown>;
    if (typeof o.topic !== 'string' || o.topic === '') return `messages[${i}].topic must be a non-empty string.`;
    if (typeof o.event !== 'string' || o.event === '') return `messages[${i}].event must be a non-empty string.`;
    out.push({
      topic: o.topic,
      isPrivate: o.private === true,
      broadcast: { event: o.event, payload: o.payload ?? {}, binary: null, meta: null }
    });
  }
  return out;
}

export async function handleRestBroadcast(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, deps: RestBroadcastDeps): Promise<void> {
  const single = /^\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/.exec(ctx.path);
  if (ctx.path !== '/api/broadcast' && !single) {
    sendJson(res, 404, { error: 'Not found', message: `No Realtime route for ${ctx.path}.` });
    return;
  }
  if (req.method !== 'POST') {
    sendJson(res, 405, { error: 'Method not allowed', message: 'Use POST to broadcast.' }, { Allow: 'POST' });
    return;
  }
  const verified = await verifyToken(ctx.bearer, deps.jwtKeys);
  if (!verified.ok) {
    sendJson(res, 401, { error: verified.message, message: verified.message });
    return;
  }
  let body: Buffer;
  try {
    body = await readBody(req, 4 * 1024 * 1024);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      sendJson(res, 413, { error: 'Payload too large', message: 'The broadcast body exceeds 4 MiB.' });
      return;
    }
    throw err;
  }
  let batch: Outgoing[];
  if (single) {
    let topic: string;
    let event: string;
    try {
      topic = decodeURIComponent(single[1]!);
      event = decodeURIComponent(single[2]!);
    } catch {
      badRequest(res, 'The topic or event in the path is not valid URL encoding.');
      return;
    }
    const isBinary = /application\/octet-stream/i.test(req.headers['content-type'] ?? '');
    let payload: unknown = null;
    if (!isBinary) {
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        badRequest(res, 'The request body must be JSON, or sent as application/octet-stream.');
        return;
      }
    }
    batch = [{
      topic,
      isPrivate: ctx.url.searchParams.get('private') === 'true',
      broadcast: { event, payload, binary: isBinary ? body : null, meta: null }
    }];
  } else {
    const parsed = parseBatch(body);
    if (typeof parsed === 'string') {
      badRequest(res, parsed);
      return;
    }
    batch = parsed;
  }
  await deliver(batch, verified.value, deps);
  res.writeHead(202, { 'Content-Length': '0' });
  res.end();
}

async function deliver(batch: Outgoing[], token: VerifiedToken, deps: RestBroadcastDeps): Promise<void> {
  const writable = new Map<string, boolean>();
  for (const m of batch) {
    if (m.isPrivate) {
      // Private messages need the sender's INSERT permission on realtime.messages for that topic.
      if (!writable.has(m.topic)) writable.set(m.topic, (await channelPermissions(deps.db, m.topic, token)).broadcastWrite);
      if (!writable.get(m.topic)) continue;
    }
    deps.hub.broadcast(m.topic, m.isPrivate, m.broadcast);
  }
}
