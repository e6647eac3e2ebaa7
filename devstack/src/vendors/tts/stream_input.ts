// ElevenLabs' text-to-speech WebSocket (`/v1/text-to-speech/{voice_id}/stream-input`), as the stand-in plays it.
// Protocol (elevenlabs.io/docs/api-reference/websockets): every message is a JSON object with a `text` string.
// The first (BOS) is `{"text":" "}` with optional `voice_settings`, `generation_config.chunk_length_schedule` and the
// key (`xi_api_key` or `authorization`) unless the upgrade carried `xi-api-key`. Text is buffered and rendered when
// the buffer reaches the chunk schedule ([120, 160, 250, 290] characters by default), on `flush: true`, on every
// message with `auto_mode=true`, and at the end of the stream, `{"text":""}` (EOS). Audio comes back as
// `{"audio": <base64 in output_format>, "isFinal": false, "alignment": …}` in the order the text was sent, then
// `{"audio": null, "isFinal": true}`, and the socket closes (1000). A socket that gets no message for
// `inactivity_timeout` seconds (default 20, at most 180) is closed with 1008 `input_timeout_exceeded`; a bad key,
// an unknown voice or a malformed message closes it with 1008 and an error message first.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { synthesizeMulaw } from '../speech/espeak.ts';
import { canRender, STREAM_OUTPUT_FORMATS, transcode } from './audio_format.ts';
import { espeakVoiceFor, type Voice } from './voice_catalogue.ts';

export const STREAM_INPUT_ROUTE = /^\/v1\/text-to-speech\/([^/]+)\/stream-input$/;
/** The WebSocket endpoint's own older names, still accepted besides the stream endpoint's enum. */
const WS_ONLY_FORMATS = ['mp3_44100'];
export const DEFAULT_CHUNK_SCHEDULE = [120, 160, 250, 290];
const MAX_INACTIVITY_S = 180;

export interface StreamInputOptions {
  apiKey: string | undefined;
  latencyMs: number;
  chunkBytes: number;
  voices: ReadonlyMap<string, { voice: Voice }>;
  log?: ((line: string) => void) | undefined;
}

interface Query {
  voice: Voice;
  format: string;
  inactivityS: number;
  autoMode: boolean;
}

function badRequest(socket: Duplex, status: number, detail: unknown): void {
  const body = JSON.stringify({ detail });
  socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Unprocessable Entity'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function bool(v: string | null): boolean | null {
  if (v === null) return false;
  return v === 'true' ? true : v === 'false' ? false : null;
}

/** Validates the query as FastAPI does before the upgrade: a value outside its type or enum is a 422. */
function parseQuery(url: URL, socket: Duplex, o: StreamInputOptions, voiceId: string): Query | null {
  const q = url.searchParams;
  const format = q.get('output_format') ?? 'mp3_44100';
  const allowed = [...WS_ONLY_FORMATS, ...STREAM_OUTPUT_FORMATS];
  if (!allowed.includes(format)) {
    badRequest(socket, 422, [{ type: 'enum', loc: ['query', 'output_format'], msg: `Input should be one of ${allowed.join(', ')}`, input: format }]);
    return null;
  }
  const inactivity = q.get('inactivity_timeout');
  const inactivityS = inactivity === null ? 20 : Number(inactivity);
  if (!Number.isInteger(inactivityS) || inactivityS < 1 || inactivityS > MAX_INACTIVITY_S) {
    badRequest(socket, 422, [{ type: 'less_than_equal', loc: ['query', 'inactivity_timeout'], msg: `inactivity_timeout must be between 1 and ${MAX_INACTIVITY_S} seconds`, input: inactivity }]);
    return null;
  }
  for (const name of ['auto_mode', 'sync_alignment', 'enable_ssml_parsing']) {
    if (bool(q.get(name)) === null) {
      badRequest(socket, 422, [{ type: 'bool_parsing', loc: ['query', name], msg: 'Input should be a valid boolean', input: q.get(name) }]);
      return null;
    }
  }
  const hit = o.voices.get(voiceId);
  if (!hit) {
    badRequest(socket, 404, { status: 'voice_not_found', message: `A voice with the voice_id ${voiceId} was not found.` });
    return null;
  }
  if (!canRender(format)) {
    badRequest(socket, 422, { status: 'unsupported_output_format', message: `The stand-in renders ulaw_8000, alaw_8000 and pcm_* only, not ${format}.` });
    return null;
  }
  return { voice: hit.voice, format, inactivityS, autoMode: bool(q.get('auto_mode')) === true };
}

/** Alignment as ElevenLabs sends it with a generation's first chunk: each character's start and duration. */
function alignment(text: string, audioMs: number) {
  const chars = [...text];
  const each = chars.length > 0 ? Math.floor(audioMs / chars.length) : 0;
  return { chars, charStartTimesMs: chars.map((_, i) => i * each), charDurationsMs: chars.map(() => each) };
}

export function streamInputHandler(o: StreamInputOptions) {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 * 1024 });

  function serve(ws: WebSocket, q: Query, headerKey: string | null): void {
    let started = false;
    let ended = false;
    let buffer = '';
    let generations = 0;
    let schedule = DEFAULT_CHUNK_SCHEDULE;
    let out: Promise<void> = Promise.resolve(); // generations go out in the order their text came in
    let idle: NodeJS.Timeout | null = null;

    const fail = (error: string, message: string) => {
      if (ws.readyState === ws.OPEN) {
        ws.send(JSON.stringify({ message, error, code: 1008 }));
        ws.close(1008, error);
      }
    };
    const armIdle = () => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => fail('input_timeout_exceeded', `Have not received a new text input within the timeout of ${q.inactivityS} seconds. Streaming input requires new text input every ${q.inactivityS} seconds, or the connection is closed.`), q.inactivityS * 1000);
    };
    armIdle();

    const generate = (text: string, triggeredAt: number) => {
      if (text.trim() === '') return;
      generations++;
      const audio = synthesizeMulaw(text, { voice: espeakVoiceFor(q.voice) }).then((m) => transcode(m, q.format));
      audio.catch(() => undefined);
      out = out.then(async () => {
        let bytes: Buffer;
        try {
          bytes = await audio;
        } catch (err) {
          o.log?.(`tts stand-in: synthesis failed: ${(err as Error).message}`);
          return fail('synthesis_failed', 'Speech synthesis failed.');
        }
        const wait = o.latencyMs - (Date.now() - triggeredAt);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        for (let i = 0; i < bytes.length && ws.readyState === ws.OPEN; i += o.chunkBytes) {
          const part = bytes.subarray(i, i + o.chunkBytes);
          const first = i === 0;
          ws.send(JSON.stringify({ audio: part.toString('base64'), isFinal: false, normalizedAlignment: first ? alignment(text, bytes.length / 8) : null, alignment: first ? alignment(text, bytes.length / 8) : null }));
          await new Promise((r) => setImmediate(r));
        }
      });
    };
    /** Renders whatever the schedule allows: whole thresholds of buffered text, or everything when forced. */
    const drain = (force: boolean, at: number) => {
      for (;;) {
        const threshold = schedule[Math.min(generations, schedule.length - 1)]!;
        if (!force && buffer.length < threshold) return;
        const text = buffer;
        buffer = '';
        generate(text, at);
        if (!force || buffer === '') return;
      }
    };

    ws.on('message', (data, isBinary) => {
      if (ended) return;
      armIdle();
      const at = Date.now();
      let msg: Record<string, unknown>;
      try {
        msg = isBinary ? null! : (JSON.parse(data.toString()) as Record<string, unknown>);
      } catch {
        msg = null!;
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return fail('invalid_message', 'Every message must be a JSON object with a "text" field.');
      if (typeof msg.text !== 'string') return fail('invalid_message', 'Field "text" is required and must be a string.');
      if (!started) {
        started = true;
        const auth = typeof msg.authorization === 'string' ? /^Bearer (.+)$/.exec(msg.authorization)?.[1] ?? null : null;
        const key = headerKey ?? (typeof msg.xi_api_key === 'string' ? msg.xi_api_key : null) ?? auth;
        if (!key || (o.apiKey !== undefined && key !== o.apiKey)) return fail('invalid_api_key', 'Invalid API key.');
        if (msg.text !== ' ') return fail('invalid_message', 'The first message must have "text" set to a single space (" ").');
        const cfg = msg.generation_config as { chunk_length_schedule?: unknown } | undefined;
        if (cfg?.chunk_length_schedule !== undefined) {
          const s = cfg.chunk_length_schedule;
          if (!Array.isArray(s) || s.length === 0 || !s.every((n) => typeof n === 'number' && n >= 50 && n <= 500)) {
            return fail('invalid_message', 'generation_config.chunk_length_schedule must be a list of numbers from 50 to 500.');
          }
          schedule = s as number[];
        }
        const vs = msg.voice_settings as Record<string, unknown> | undefined;
        if (vs !== undefined && (typeof vs !== 'object' || vs === null || typeof vs.stability !== 'number' || typeof vs.similarity_boost !== 'number')) {
          return fail('invalid_message', 'voice_settings needs numeric stability and similarity_boost.');
        }
        if (vs && typeof vs.speed === 'number' && (vs.speed < 0.7 || vs.speed > 1.2)) return fail('invalid_message', 'voice_settings.speed must be between 0.7 and 1.2.');
        return;
      }
      if (msg.text === '') {
        // End of sequence: render the rest, say so, close.
        ended = true;
        drain(true, at);
        void out.then(() => {
          if (ws.readyState !== ws.OPEN) return;
          ws.send(JSON.stringify({ audio: null, isFinal: true, normalizedAlignment: null, alignment: null }));
          ws.close(1000);
        });
        return;
      }
      buffer += msg.text;
      drain(msg.flush === true || q.autoMode, at);
    });
    ws.on('close', () => {
      ended = true;
      if (idle) clearTimeout(idle);
    });
    ws.on('error', () => undefined);
  }

  return {
    /** Handles an upgrade to a stream-input path; false when the path is not one. */
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      const url = new URL(req.url ?? '/', 'http://x');
      const m = STREAM_INPUT_ROUTE.exec(url.pathname);
      if (!m) return false;
      const header = req.headers['xi-api-key'];
      const headerKey = typeof header === 'string' && header !== '' ? header : null;
      if (headerKey !== null && o.apiKey !== undefined && headerKey !== o.apiKey) {
        socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"detail":{"status":"invalid_api_key","message":"Invalid API key."}}');
        return true;
      }
      const q = parseQuery(url, socket, o, decodeURIComponent(m[1]!));
      if (!q) return true;
      wss.handleUpgrade(req, socket, head, (ws) => serve(ws, q, headerKey));
      return true;
    },
    /** Stream-input sockets open right now. */
    openSockets: () => wss.clients.size,
    close(): void {
      for (const c of wss.clients) c.terminate();
      wss.close();
    }
  };
}
