// ElevenLabs-compatible streaming text-to-speech stand-in:
// POST /v1/text-to-speech/{voice_id}/stream?output_format=ulaw_8000 with `xi-api-key`, body {text, model_id?}.
// Answers with raw μ-law 8 kHz mono bytes rendered by espeak-ng + sox. Stand-in only: not ElevenLabs voices.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { synthesizeMulaw } from '../speech/espeak.ts';

export interface TtsStandInOptions {
  port?: number;
  /** Delay before the first audio byte. */
  latencyMs?: number;
  /** When set, `xi-api-key` must match; otherwise any non-empty key is accepted. */
  apiKey?: string;
  /** Bytes per streamed chunk (800 = 100 ms of audio). */
  chunkBytes?: number;
  log?: (line: string) => void;
}

export interface StandIn {
  url: string;
  close: () => Promise<void>;
}

const ROUTE = /^\/v1\/text-to-speech\/([A-Za-z0-9_-]{1,64})\/stream$/;
const MAX_TEXT = 5000;
// A voice id always maps to the same espeak-ng variant, so each persona keeps its voice.
const VOICES = ['en-us', 'en-us+m3', 'en-us+f3', 'en-us+m7', 'en-us+f2', 'en-gb'];

function voiceFor(voiceId: string): string {
  let h = 0;
  for (const c of voiceId) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return VOICES[h % VOICES.length]!;
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ detail: { status: code, message } }));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 64 * 1024) throw new Error('too large');
    parts.push(c);
  }
  return JSON.parse(Buffer.concat(parts).toString('utf8'));
}

export async function startTtsStandIn(opts: TtsStandInOptions = {}): Promise<StandIn> {
  const latencyMs = opts.latencyMs ?? 0;
  const chunkBytes = opts.chunkBytes ?? 800;
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = ROUTE.exec(url.pathname);
    if (req.method !== 'POST' || !m) return sendError(res, 404, 'not_found', `No route ${req.method} ${url.pathname}.`);
    const key = req.headers['xi-api-key'];
    if (typeof key !== 'string' || key === '' || (opts.apiKey !== undefined && key !== opts.apiKey)) {
      return sendError(res, 401, 'invalid_api_key', 'Invalid API key.');
    }
    const format = url.searchParams.get('output_format') ?? 'mp3_44100_128';
    if (format !== 'ulaw_8000') {
      return sendError(res, 422, 'unsupported_output_format', `This stand-in only renders output_format=ulaw_8000, not ${format}.`);
    }
    let body: { text?: unknown };
    try {
      body = (await readJson(req)) as { text?: unknown };
    } catch {
      return sendError(res, 400, 'invalid_body', 'The body must be JSON like {"text": "..."} and under 64 KiB.');
    }
    if (typeof body?.text !== 'string' || body.text.trim() === '' || body.text.length > MAX_TEXT) {
      return sendError(res, 400, 'invalid_text', `"text" must be a non-empty string of at most ${MAX_TEXT} characters.`);
    }
    const text = body.text;
    let closed = false;
    res.on('close', () => (closed = true));
    const started = Date.now();
    let audio: Buffer;
    try {
      audio = await synthesizeMulaw(text, { voice: voiceFor(m[1]!) });
    } catch (err) {
      opts.log?.(`tts stand-in: synthesis failed: ${(err as Error).message}`);
      return sendError(res, 500, 'synthesis_failed', 'Speech synthesis failed.');
    }
    const wait = latencyMs - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (closed) return;
    res.writeHead(200, { 'content-type': 'audio/basic', 'character-cost': String(text.length), 'request-id': `standin-${started}` });
    for (let i = 0; i < audio.length && !closed; i += chunkBytes) {
      // Yield between chunks so a client abort is seen promptly and the bytes arrive as a stream.
      if (!res.write(audio.subarray(i, i + chunkBytes))) await new Promise((r) => res.once('drain', r));
      await new Promise((r) => setImmediate(r));
    }
    res.end();
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
