// ElevenLabs text-to-speech over its stream-input WebSocket, asked for `ulaw_8000` so the bytes go to the phone line
// untouched. One sentence is one stream: BOS, the text with `flush`, EOS; audio arrives as base64 until `isFinal`,
// then ElevenLabs closes the socket. What makes it fast is that the socket is already open: while a call lasts, its
// voice keeps warm sockets with BOS sent (handshake, TLS and voice settings paid before the sentence exists), and
// each one taken is replaced at once. A spare socket is replaced before ElevenLabs' inactivity timeout would close
// it. Usage is the characters sent (what ElevenLabs bills), reported once the audio has been received.
import WebSocket from 'ws';
import type { VoiceSettings } from './call_store.ts';
import type { RelayConfig } from './config.ts';
import { ProviderError, type TextToSpeech, type TtsEvent } from './provider_contracts.ts';

/** ElevenLabs' maximum; a spare older than SPARE_MAX_AGE_MS is replaced well before it. */
const INACTIVITY_TIMEOUT_S = 180;
const SPARE_MAX_AGE_MS = 150_000;
/** Warm sockets per voice in use: a reply synthesises its next sentence while the current one plays. */
const SPARES = 2;
const OPEN_TIMEOUT_MS = 5000;

interface Voice {
  voiceId: string;
  voiceSettings?: VoiceSettings | undefined;
}

/** An open stream-input socket whose BOS has been sent, with the messages it received since. */
interface WarmSocket {
  ws: WebSocket;
  openedAt: number;
  /** Messages that arrived before a reader took the socket (errors, usually). */
  inbox: string[];
  closed: { code: number; reason: string } | null;
  wake: (() => void) | null;
}

function streamUrl(cfg: RelayConfig['tts'], voiceId: string): string {
  const base = cfg.baseUrl.replace(/^http/, 'ws');
  const q = new URLSearchParams({ model_id: cfg.modelId, output_format: 'ulaw_8000', inactivity_timeout: String(INACTIVITY_TIMEOUT_S) });
  return `${base}/v1/text-to-speech/${encodeURIComponent(voiceId)}/stream-input?${q}`;
}

function bos(v: Voice): string {
  const s = v.voiceSettings;
  return JSON.stringify({
    text: ' ',
    ...(s ? { voice_settings: { stability: s.stability, similarity_boost: s.similarityBoost, style: s.style, speed: s.speed } } : {})
  });
}

function openWarm(cfg: RelayConfig['tts'], v: Voice): Promise<WarmSocket> {
  return new Promise((resolve, reject) => {
    // Deflate off: base64 audio barely compresses and zlib would cost CPU on every message.
    const ws = new WebSocket(streamUrl(cfg, v.voiceId), { headers: { 'xi-api-key': cfg.apiKey }, perMessageDeflate: false, handshakeTimeout: OPEN_TIMEOUT_MS });
    const w: WarmSocket = { ws, openedAt: Date.now(), inbox: [], closed: null, wake: null };
    ws.on('message', (d) => {
      w.inbox.push(String(d));
      w.wake?.();
    });
    ws.on('close', (code, reason) => {
      w.closed = { code, reason: reason.toString() };
      w.wake?.();
    });
    let refused = false;
    ws.once('unexpected-response', (_req, res) => {
      refused = true;
      const status = res.statusCode ?? 0;
      reject(new ProviderError(`ElevenLabs refused the stream (HTTP ${status}).`, { service: 'elevenlabs', retryable: status === 429 || status >= 500, status }));
      ws.terminate();
    });
    ws.on('error', (err) => {
      if (!refused) reject(new ProviderError(`ElevenLabs connection failed: ${err.message}`, { service: 'elevenlabs', retryable: true, cause: err }));
    });
    ws.once('open', () => {
      ws.send(bos(v));
      resolve(w);
    });
  });
}

/** Reads one sentence's stream to its end: audio in order, then nothing; throws what ElevenLabs reported. */
async function* readAudio(w: WarmSocket, signal: AbortSignal): AsyncIterable<Uint8Array> {
  for (;;) {
    while (w.inbox.length > 0) {
      const msg = JSON.parse(w.inbox.shift()!) as { audio?: string | null; isFinal?: boolean; error?: string; message?: string; code?: number };
      if (typeof msg.audio === 'string' && msg.audio.length > 0) yield Buffer.from(msg.audio, 'base64');
      if (msg.isFinal) return;
      if (msg.error) {
        const auth = msg.error === 'invalid_api_key' || msg.error === 'unauthorized';
        throw new ProviderError(`ElevenLabs: ${msg.message ?? msg.error}`, { service: 'elevenlabs', retryable: !auth && msg.error !== 'invalid_message', status: auth ? 401 : msg.code });
      }
    }
    if (signal.aborted) return;
    if (w.closed) {
      throw new ProviderError(`ElevenLabs closed the stream (${w.closed.code} ${w.closed.reason})`, { service: 'elevenlabs', retryable: w.closed.code !== 1008, status: w.closed.code });
    }
    await new Promise<void>((r) => (w.wake = r));
    w.wake = null;
  }
}

export function createElevenLabsTts(cfg: RelayConfig['tts']): TextToSpeech {
  const pools = new Map<string, { voice: Voice; users: number; spares: Promise<WarmSocket>[] }>();
  const keyOf = (v: Voice) => `${v.voiceId}|${JSON.stringify(v.voiceSettings ?? null)}`;
  const spare = (v: Voice) => {
    const p = openWarm(cfg, v);
    p.catch(() => undefined);
    return p;
  };
  const refill = (key: string) => {
    const pool = pools.get(key);
    if (!pool) return;
    while (pool.spares.length < SPARES) pool.spares.push(spare(pool.voice));
  };

  /** A socket ready for a sentence: a warm one when the voice has a pool, else a new one (cold). */
  const take = async (v: Voice): Promise<WarmSocket> => {
    const key = keyOf(v);
    const pool = pools.get(key);
    if (pool) {
      while (pool.spares.length > 0) {
        const next = pool.spares.shift()!;
        refill(key);
        const w = await next.catch(() => null);
        if (w && !w.closed && w.inbox.length === 0 && Date.now() - w.openedAt < SPARE_MAX_AGE_MS) return w;
        w?.ws.terminate();
        // A refusal (bad key, unknown voice) will not fix itself: say so rather than loop on new sockets.
        if (!w) return next;
      }
    }
    return openWarm(cfg, v);
  };

  return {
    info: { service: 'elevenlabs', model: cfg.modelId },
    warm(voice) {
      const v: Voice = { voiceId: voice.voiceId || cfg.defaultVoiceId, voiceSettings: voice.voiceSettings };
      const key = keyOf(v);
      const pool = pools.get(key) ?? { voice: v, users: 0, spares: [] };
      pools.set(key, pool);
      pool.users++;
      refill(key);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--pool.users > 0) return;
        pools.delete(key);
        for (const p of pool.spares) void p.then((w) => w.ws.close(1000), () => undefined);
      };
    },
    async *synthesize(text, { voiceId, signal, voiceSettings }): AsyncIterable<TtsEvent> {
      if (signal.aborted) return;
      const w = await take({ voiceId: voiceId || cfg.defaultVoiceId, voiceSettings });
      const stop = () => w.ws.terminate();
      signal.addEventListener('abort', stop, { once: true });
      try {
        if (signal.aborted) return;
        w.ws.send(JSON.stringify({ text: `${text.trim()} `, flush: true }));
        w.ws.send('{"text":""}');
        // An error message must never be played as audio (it would be heard as clicks and noise).
        for await (const mulaw of readAudio(w, signal)) {
          if (signal.aborted) return;
          yield { type: 'audio', mulaw };
        }
        if (signal.aborted) return;
      } finally {
        signal.removeEventListener('abort', stop);
        if (w.ws.readyState === WebSocket.OPEN) w.ws.close(1000);
      }
      yield { type: 'usage', characters: text.length };
    }
  };
}
