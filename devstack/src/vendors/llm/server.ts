// OpenAI-compatible chat completions stand-in, playing OpenAI and Cerebras (same wire format, different model
// catalogues and error bodies; see model_catalogue.ts). POST /v1/chat/completions, streaming (SSE) or not,
// answered by the scripted persona engine; GET /v1/models lists what the vendor serves today.
// Stand-in only: no model runs here.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { currentModels, findModel, isServed, vendorFor, type LlmVendor, type ModelEntry } from './model_catalogue.ts';
import { summaryReply, withMemory } from './memory_engine.ts';
import { countTokens, personaReply, tokenize, type ChatMessage } from './persona_engine.ts';

export interface LlmStandInOptions {
  port?: number;
  /** Delay before the first token (or the whole non-streamed answer). */
  latencyMs?: number;
  /** Delay between streamed tokens. */
  tokenDelayMs?: number;
  /** When set, `Authorization: Bearer <apiKey>` must match; otherwise any bearer token is accepted. */
  apiKey?: string;
  /** Play one vendor only; by default the vendor is read from each request (key prefix, then model id). */
  vendor?: LlmVendor;
  /** The day that decides which models are shut down (tests pin it). */
  now?: () => Date;
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
  stream_options?: { include_usage?: unknown } | null;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  reasoning_effort?: unknown;
}

interface ApiError {
  status: number;
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

const MAX_BODY = 1024 * 1024;
const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
// Parts other than text are accepted where the vendor accepts them, and ignored by the scripted engine.
const USER_PART_TYPES = ['text', 'image_url', 'input_audio', 'file'];

// OpenAI wraps errors in {"error": {...}}; Cerebras answers the same fields at the top level.
function sendError(res: ServerResponse, vendor: LlmVendor, e: ApiError): void {
  const fields = { message: e.message, type: e.type, param: e.param, code: e.code };
  res.writeHead(e.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(vendor === 'cerebras' ? fields : { error: fields }));
}

const invalid = (message: string, param: string | null, code: string | null): ApiError =>
  ({ status: 400, message, type: 'invalid_request_error', param, code });

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

const quoteList = (values: readonly string[]) =>
  values.length === 1 ? `'${values[0]}'` : `${values.slice(0, -1).map((v) => `'${v}'`).join(', ')}, and '${values.at(-1)}'`;

/** Text of a message's content: a string, or an array of content parts whose text parts are joined. */
function contentText(content: unknown, role: string, param: string): string | ApiError {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) {
    return role === 'assistant' ? '' : invalid(`Invalid value for '${param}': expected a string or an array of content parts, got null.`, param, 'invalid_type');
  }
  if (!Array.isArray(content)) return invalid(`Invalid type for '${param}': expected one of a string or array of objects, but got ${typeof content} instead.`, param, 'invalid_type');
  const allowed = role === 'user' ? USER_PART_TYPES : ['text'];
  const texts: string[] = [];
  for (let i = 0; i < content.length; i++) {
    const part = content[i] as { type?: unknown; text?: unknown } | null;
    const p = `${param}[${i}]`;
    if (typeof part !== 'object' || part === null) return invalid(`Invalid type for '${p}': expected an object, but got ${typeof part} instead.`, p, 'invalid_type');
    if (typeof part.type !== 'string' || !allowed.includes(part.type)) {
      return invalid(`Invalid value: '${String(part.type)}'. Supported values are: ${quoteList(allowed)}.`, `${p}.type`, 'invalid_value');
    }
    if (part.type === 'text') {
      if (typeof part.text !== 'string') return invalid(`Missing required parameter: '${p}.text'.`, `${p}.text`, 'missing_required_parameter');
      texts.push(part.text);
    }
  }
  return texts.join('\n');
}

/** Messages as the persona engine reads them (developer instructions count as system), or the vendor's 400. */
function parseMessages(v: unknown): ChatMessage[] | ApiError {
  if (v === undefined) return invalid("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(v)) return invalid(`Invalid type for 'messages': expected an array of objects, but got ${typeof v} instead.`, 'messages', 'invalid_type');
  if (v.length === 0) return invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array');
  const out: ChatMessage[] = [];
  for (let i = 0; i < v.length; i++) {
    const m = v[i] as { role?: unknown; content?: unknown; tool_call_id?: unknown } | null;
    const p = `messages[${i}]`;
    if (typeof m !== 'object' || m === null) return invalid(`Invalid type for '${p}': expected an object, but got ${typeof m} instead.`, p, 'invalid_type');
    if (m.role === undefined) return invalid(`Missing required parameter: '${p}.role'.`, `${p}.role`, 'missing_required_parameter');
    if (typeof m.role !== 'string' || !(ROLES as readonly string[]).includes(m.role)) {
      return invalid(`Invalid value: '${String(m.role)}'. Supported values are: ${quoteList(['system', 'assistant', 'user', 'function', 'tool', 'developer'])}.`, `${p}.role`, 'invalid_value');
    }
    if (m.role === 'tool' && typeof m.tool_call_id !== 'string') {
      return invalid(`Missing required parameter: '${p}.tool_call_id'.`, `${p}.tool_call_id`, 'missing_required_parameter');
    }
    const text = contentText(m.content, m.role, `${p}.content`);
    if (typeof text !== 'string') return text;
    const role = (m.role === 'developer' ? 'system' : m.role === 'function' ? 'tool' : m.role) as ChatMessage['role'];
    out.push({ role, content: text });
  }
  return out;
}

function positiveInt(v: unknown, param: string): number | null | ApiError {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) return invalid(`Invalid type for '${param}': expected an integer, but got ${typeof v === 'number' ? 'a decimal number' : typeof v} instead.`, param, 'invalid_type');
  if (v < 1) return invalid(`Invalid '${param}': integer below minimum value. Expected a value >= 1, but got ${v} instead.`, param, 'integer_below_min_value');
  return v;
}

/** The completion-token cap, honouring each vendor's rules for `max_tokens` vs `max_completion_tokens`. */
function tokenLimit(body: ChatRequest, vendor: LlmVendor, model: ModelEntry): number | null | ApiError {
  const maxTokens = positiveInt(body.max_tokens, 'max_tokens');
  if (typeof maxTokens === 'object' && maxTokens !== null) return maxTokens;
  const maxCompletion = positiveInt(body.max_completion_tokens, 'max_completion_tokens');
  if (typeof maxCompletion === 'object' && maxCompletion !== null) return maxCompletion;
  // OpenAI's reasoning models refuse the older parameter; Cerebras keeps it as a deprecated alias.
  if (vendor === 'openai' && model.reasoningEfforts && maxTokens !== null) {
    return invalid("Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", 'max_tokens', 'unsupported_parameter');
  }
  return maxCompletion ?? maxTokens;
}

function checkReasoningEffort(v: unknown, model: ModelEntry): ApiError | null {
  if (v === undefined || v === null) return null;
  if (!model.reasoningEfforts) return invalid("Unsupported parameter: 'reasoning_effort' is not supported with this model.", 'reasoning_effort', 'unsupported_parameter');
  if (typeof v !== 'string' || !model.reasoningEfforts.includes(v)) {
    return invalid(`Unsupported value: 'reasoning_effort' does not support '${String(v)}' with this model. Supported values are: ${quoteList(model.reasoningEfforts)}.`, 'reasoning_effort', 'unsupported_value');
  }
  return null;
}

function modelNotFound(vendor: LlmVendor, id: string): ApiError {
  return vendor === 'cerebras'
    ? { status: 404, message: 'Model does not exist or you do not have access to it.', type: 'not_found_error', param: 'model', code: 'model_not_found' }
    : { status: 404, message: `The model \`${id}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: null, code: 'model_not_found' };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });

const OWNER: Record<LlmVendor, string> = { cerebras: 'Cerebras', openai: 'system' };
// A fixed creation time keeps the model list stable between runs.
const MODEL_CREATED = 1_750_000_000;

export async function startLlmStandIn(opts: LlmStandInOptions = {}): Promise<StandIn> {
  const latencyMs = opts.latencyMs ?? 0;
  const tokenDelayMs = opts.tokenDelayMs ?? 0;
  const now = opts.now ?? (() => new Date());
  let seq = 0;

  const modelObject = (vendor: LlmVendor, m: ModelEntry) => ({
    id: m.id, object: 'model', created: MODEL_CREATED, owned_by: OWNER[vendor],
    ...(vendor === 'openai' && m.shutdownDate ? { shutdown_date: m.shutdownDate } : {})
  });

  const server = createServer(async (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const token = /^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const keyVendor = opts.vendor ?? vendorFor(token ?? '', undefined);
    // The Cerebras SDK opens its connection early with this probe.
    if (req.method === 'GET' && path === '/v1/tcp_warming') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{}');
    }
    if (!token || (opts.apiKey !== undefined && token !== opts.apiKey)) {
      return sendError(res, keyVendor, keyVendor === 'cerebras'
        ? { status: 401, message: 'Wrong API Key', type: 'invalid_request_error', param: 'api_key', code: 'wrong_api_key' }
        : { status: 401, message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' });
    }
    if (req.method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
      // Without a vendor in the key, the list is both catalogues: the stand-in answers for either.
      const vendors: LlmVendor[] = opts.vendor ? [opts.vendor] : token.startsWith('csk-') ? ['cerebras'] : token.startsWith('sk-') ? ['openai'] : ['cerebras', 'openai'];
      const served = vendors.flatMap((v) => currentModels(v, now()).map((m) => modelObject(v, m)));
      res.writeHead(200, { 'content-type': 'application/json' });
      if (path === '/v1/models') return res.end(JSON.stringify({ object: 'list', data: served }));
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      const hit = served.find((m) => m.id === id);
      if (!hit) return sendError(res, keyVendor, modelNotFound(keyVendor, id));
      return res.end(JSON.stringify(hit));
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return sendError(res, keyVendor, { status: 404, message: `Invalid URL (${req.method} ${path})`, type: 'invalid_request_error', param: null, code: null });
    }
    const raw = await readBody(req);
    if (raw === null) return sendError(res, keyVendor, { status: 413, message: 'The request body is too large.', type: 'invalid_request_error', param: null, code: 'request_too_large' });
    let body: ChatRequest;
    try {
      body = JSON.parse(raw) as ChatRequest;
    } catch {
      return sendError(res, keyVendor, invalid('We could not parse the JSON body of your request.', null, null));
    }
    if (typeof body !== 'object' || body === null) return sendError(res, keyVendor, invalid('The request body must be a JSON object.', null, null));
    const vendor = opts.vendor ?? vendorFor(token, typeof body.model === 'string' ? body.model : undefined);
    if (body.model === undefined) return sendError(res, vendor, invalid('you must provide a model parameter', null, null));
    if (typeof body.model !== 'string') return sendError(res, vendor, invalid(`Invalid type for 'model': expected a string, but got ${typeof body.model} instead.`, 'model', 'invalid_type'));
    const messages = parseMessages(body.messages);
    if (!Array.isArray(messages)) return sendError(res, vendor, messages);
    const entry = findModel(vendor, body.model);
    if (!entry || !isServed(entry, now())) {
      opts.log?.(`llm stand-in: refused ${vendor} model ${body.model}${entry?.replacement ? ` (shut down; ${entry.replacement} replaces it)` : ''}`);
      return sendError(res, vendor, modelNotFound(vendor, body.model));
    }
    const limit = tokenLimit(body, vendor, entry);
    if (typeof limit === 'object' && limit !== null) return sendError(res, vendor, limit);
    const effortError = checkReasoningEffort(body.reasoning_effort, entry);
    if (effortError) return sendError(res, vendor, effortError);
    if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
      return sendError(res, vendor, invalid(`Invalid type for 'stream': expected a boolean, but got ${typeof body.stream} instead.`, 'stream', 'invalid_type'));
    }

    const reply = summaryReply(messages) ?? withMemory(messages, personaReply(messages));
    const promptTokens = messages.reduce((n, m) => n + countTokens(m.content) + 4, 0);
    const allTokens = tokenize(reply.text);
    // One stream token is one counted completion token, so a cap cuts the reply exactly where usage says.
    const truncated = limit !== null && allTokens.length > limit;
    const tokens = truncated ? allTokens.slice(0, limit) : allTokens;
    const finishReason = truncated ? 'length' : 'stop';
    const usage = { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length };
    const id = `chatcmpl-standin-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model;
    const closed = new AbortController();
    res.on('close', () => closed.abort());
    opts.log?.(`llm stand-in: ${id} ${vendor}/${model} (${tokens.length} tokens, ${finishReason}, stream=${body.stream === true})`);

    if (body.stream !== true) {
      await sleep(latencyMs, closed.signal);
      if (closed.signal.aborted) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, message: { role: 'assistant', content: tokens.join('') }, finish_reason: finishReason }],
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
    chunk([{ index: 0, delta: {}, finish_reason: finishReason }]);
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
