// OpenAI-compatible chat completions stand-in (it also plays the Cerebras role: same wire format).
// POST /v1/chat/completions, streaming (SSE) or not, answered by the scripted persona engine.
// Stand-in only: no model runs here.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countTokens, personaReply, tokenize, type ChatMessage } from './persona_engine.ts';

export interface LlmStandInOptions {
  port?: number;
  /** Delay before the first token (or the whole non-streamed answer). */
  latencyMs?: number;
  /** Delay between streamed tokens. */
  tokenDelayMs?: number;
  /** When set, `Authorization: Bearer <apiKey>` must match; otherwise any bearer token is accepted. */
  apiKey?: string;
  log?: (line: string) => void;
}

export interface StandIn {
  url: string;
  close: () => Promise<void>;
}

interface ChatRequest {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown };
}

const MAX_BODY = 1024 * 1024;

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, code: type } }));
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
      } else parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function validMessages(v: unknown): v is ChatMessage[] {
  return Array.isArray(v) && v.length > 0 && v.every((m) =>
    typeof m === 'object' && m !== null && ['system', 'user', 'assistant', 'tool'].includes((m as ChatMessage).role) &&
    typeof (m as ChatMessage).content === 'string');
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });

export async function startLlmStandIn(opts: LlmStandInOptions = {}): Promise<StandIn> {
  const latencyMs = opts.latencyMs ?? 0;
  const tokenDelayMs = opts.tokenDelayMs ?? 0;
  let seq = 0;

  const server = createServer(async (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== '/v1/chat/completions') return sendError(res, 404, 'not_found', `No route ${req.method} ${path}.`);
    const auth = req.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/.exec(auth)?.[1];
    if (!token || (opts.apiKey !== undefined && token !== opts.apiKey)) {
      return sendError(res, 401, 'invalid_api_key', 'Incorrect API key provided.');
    }
    const raw = await readBody(req);
    if (raw === null) return sendError(res, 413, 'request_too_large', 'The request body is too large.');
    let body: ChatRequest;
    try {
      body = JSON.parse(raw) as ChatRequest;
    } catch {
      return sendError(res, 400, 'invalid_request_error', 'The body is not valid JSON.');
    }
    if (typeof body.model !== 'string' || !validMessages(body.messages)) {
      return sendError(res, 400, 'invalid_request_error', '`model` (string) and `messages` (non-empty array of {role, content}) are required.');
    }
    const reply = personaReply(body.messages);
    const promptTokens = body.messages.reduce((n, m) => n + countTokens(m.content) + 4, 0);
    const tokens = tokenize(reply.text);
    const usage = { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length };
    const id = `chatcmpl-standin-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model;
    const closed = new AbortController();
    res.on('close', () => closed.abort());
    opts.log?.(`llm stand-in: ${id} (${tokens.length} tokens, stream=${body.stream === true})`);

    if (body.stream !== true) {
      await sleep(latencyMs, closed.signal);
      if (closed.signal.aborted) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, message: { role: 'assistant', content: reply.text }, finish_reason: 'stop' }],
        usage
      }));
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`);
    await sleep(latencyMs, closed.signal);
    if (closed.signal.aborted) return;
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    for (let i = 0; i < tokens.length; i++) {
      if (i > 0) await sleep(tokenDelayMs, closed.signal);
      if (closed.signal.aborted) return;
      chunk([{ index: 0, delta: { content: tokens[i] }, finish_reason: null }]);
    }
    chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    if (body.stream_options?.include_usage === true) chunk([], { usage });
    res.end('data: [DONE]\n\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    })
  };
}
