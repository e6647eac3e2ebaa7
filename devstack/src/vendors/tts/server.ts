// ElevenLabs-compatible text-to-speech stand-in: POST /v1/text-to-speech/{voice_id}[/stream]?output_format=…
// with `xi-api-key`, body {text, model_id?}, the WebSocket /v1/text-to-speech/{voice_id}/stream-input
// (stream_input.ts), and GET /v1/voices[/{voice_id}]. Knows ElevenLabs' premade voices
// (voice_catalogue.ts) and output formats; renders μ-law, A-law, PCM and WAV with espeak-ng + sox.
// Stand-in only: not ElevenLabs voices.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { synthesizeMulaw } from '../speech/espeak.ts';
import { canRender, CONTENT_TYPES, CONVERT_OUTPUT_FORMATS, DEFAULT_OUTPUT_FORMAT, STREAM_OUTPUT_FORMATS, transcode } from './audio_format.ts';
import { streamInputHandler } from './stream_input.ts';
import { espeakVoiceFor, PREMADE_VOICES, type Voice } from './voice_catalogue.ts';

export interface TtsStandInOptions {
  port?: number;
  /** Delay before the first audio byte. */
  latencyMs?: number;
  /** When set, `xi-api-key` must match; otherwise any non-empty key is accepted. */
  apiKey?: string;
  /** Bytes per streamed chunk (800 = 100 ms of audio). */
  chunkBytes?: number;
  /** Voices in the account besides the premade ones (ElevenLabs: cloned or library voices). */
  extraVoices?: readonly Voice[];
  log?: (line: string) => void;
}

export interface StandIn {
  url: string;
  /** Stream-input WebSockets open right now (a client keeping warm sockets shows here). */
  openStreamInputs: () => number;
  close: () => Promise<void>;
}

const ROUTE = /^\/v1\/text-to-speech\/([^/]+)(\/stream)?$/;
const VOICE_ROUTE = /^\/v1\/voices\/([^/]+)$/;
const MAX_TEXT = 5000;

const voiceNotFound = (res: ServerResponse, id: string) =>
  sendError(res, 404, 'voice_not_found', `A voice with the voice_id ${id} was not found.`);

/** A voice as GET /v1/voices lists it (the fields clients read). */
function voiceObject(v: Voice, premade: boolean) {
  return {
    voice_id: v.voice_id, name: v.name, category: premade ? 'premade' : 'cloned',
    labels: { gender: v.gender, accent: v.accent }, description: null, preview_url: null,
    available_for_tiers: [], settings: null, high_quality_base_model_ids: ['eleven_flash_v2_5', 'eleven_multilingual_v2'],
    verified_languages: [{ language: 'en', model_id: 'eleven_flash_v2_5', accent: v.accent, locale: null, preview_url: null }]
  };
}

/** FastAPI's 422 for a query value outside its enum, as ElevenLabs answers it. */
function invalidEnum(res: ServerResponse, param: string, value: string, allowed: readonly string[]): void {
  res.writeHead(422, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ detail: [{
    type: 'enum', loc: ['query', param],
    msg: `Input should be ${allowed.slice(0, -1).map((a) => `'${a}'`).join(', ')} or '${allowed.at(-1)}'`,
    input: value, ctx: { expected: allowed.map((a) => `'${a}'`).join(', ') }
  }] }));
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
  const voices = new Map<string, { voice: Voice; premade: boolean }>();
  for (const v of PREMADE_VOICES) voices.set(v.voice_id, { voice: v, premade: true });
  for (const v of opts.extraVoices ?? []) voices.set(v.voice_id, { voice: v, premade: false });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = req.headers['xi-api-key'];
    if (typeof key !== 'string' || key === '' || (opts.apiKey !== undefined && key !== opts.apiKey)) {
      return sendError(res, 401, 'invalid_api_key', 'Invalid API key.');
    }
    if (req.method === 'GET' && (url.pathname === '/v1/voices' || url.pathname === '/v2/voices')) {
      const list = [...voices.values()].map((v) => voiceObject(v.voice, v.premade));
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(url.pathname === '/v1/voices' ? { voices: list } : { voices: list, has_more: false, total_count: list.length, next_page_token: null }));
    }
    const one = VOICE_ROUTE.exec(url.pathname);
    if (req.method === 'GET' && one) {
      const id = decodeURIComponent(one[1]!);
      const hit = voices.get(id);
      if (!hit) return voiceNotFound(res, id);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(voiceObject(hit.voice, hit.premade)));
    }
    const m = ROUTE.exec(url.pathname);
    if (req.method !== 'POST' || !m) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ detail: 'Not Found' }));
    }
    const streaming = m[2] !== undefined;
    const format = url.searchParams.get('output_format') ?? DEFAULT_OUTPUT_FORMAT;
    const formats = streaming ? STREAM_OUTPUT_FORMATS : CONVERT_OUTPUT_FORMATS;
    if (!formats.includes(format)) return invalidEnum(res, 'output_format', format, formats);
    const voiceId = decodeURIComponent(m[1]!);
    const voice = voices.get(voiceId);
    if (!voice) return voiceNotFound(res, voiceId);
    if (!canRender(format)) {
      return sendError(res, 422, 'unsupported_output_format', `The stand-in renders ulaw_8000, alaw_8000, pcm_* and wav_* only, not ${format} (it has no ${format.split('_')[0]} encoder).`);
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
      audio = await transcode(await synthesizeMulaw(text, { voice: espeakVoiceFor(voice.voice) }), format);
    } catch (err) {
      opts.log?.(`tts stand-in: synthesis failed: ${(err as Error).message}`);
      return sendError(res, 500, 'synthesis_failed', 'Speech synthesis failed.');
    }
    const wait = latencyMs - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (closed) return;
    res.writeHead(200, { 'content-type': CONTENT_TYPES[format.split('_')[0]!] ?? 'application/octet-stream', 'character-cost': String(text.length), 'request-id': `standin-${started}` });
    for (let i = 0; i < audio.length && !closed; i += chunkBytes) {
      // Yield between chunks so a client abort is seen promptly and the bytes arrive as a stream.
      if (!res.write(audio.subarray(i, i + chunkBytes))) await new Promise((r) => res.once('drain', r));
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  });
  const streamInput = streamInputHandler({ apiKey: opts.apiKey, latencyMs, chunkBytes, voices, log: opts.log });
  server.on('upgrade', (req, socket, head) => {
    if (!streamInput.upgrade(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    openStreamInputs: streamInput.openSockets,
    close: () => new Promise<void>((resolve) => {
      streamInput.close();
      server.closeAllConnections();
      server.close(() => resolve());
    })
  };
}
