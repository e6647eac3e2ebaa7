// ElevenLabs text-to-speech over its HTTP API, as the media relay uses it on calls: POST
// /v1/text-to-speech/{voice_id}/stream?output_format=ulaw_8000 with `xi-api-key`. Only the base URL and key differ
// between production and the local stand-in.
import type { SpeechRequest, SpeechSynthesizer } from './handler.ts';

export class SpeechError extends Error {
  override name = 'SpeechError';
  readonly status: number | null;
  constructor(message: string, status: number | null = null) {
    super(message);
    this.status = status;
  }
}

export interface ElevenLabsOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  /** A sample is a few seconds (8 KB a second); anything far larger is not what was asked for. */
  maxBytes?: number;
  fetch?: typeof fetch;
}

export function elevenLabsSpeech(opts: ElevenLabsOptions): SpeechSynthesizer {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const maxBytes = opts.maxBytes ?? 1024 * 1024;
  return {
    async mulaw8k(req: SpeechRequest): Promise<Uint8Array> {
      const url = `${base}/v1/text-to-speech/${encodeURIComponent(req.voiceId)}/stream?output_format=ulaw_8000`;
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'xi-api-key': opts.apiKey, accept: 'audio/basic' },
          body: JSON.stringify({
            text: req.text,
            model_id: req.modelId,
            voice_settings: {
              stability: req.settings.stability,
              similarity_boost: req.settings.similarityBoost,
              style: req.settings.style,
              speed: req.settings.speed
            }
          }),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000)
        });
      } catch (err) {
        throw new SpeechError(`ElevenLabs request failed: ${(err as Error).message}`);
      }
      // An error body must never be stored or played as audio.
      if (!res.ok || !res.body) {
        const detail = await res.text().catch(() => '');
        throw new SpeechError(`ElevenLabs answered HTTP ${res.status}: ${detail.slice(0, 200)}`, res.status);
      }
      const parts: Uint8Array[] = [];
      let size = 0;
      try {
        for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
          size += part.byteLength;
          if (size > maxBytes) {
            await res.body.cancel().catch(() => undefined);
            throw new SpeechError(`ElevenLabs sent more than ${maxBytes} bytes for a sample`);
          }
          parts.push(part);
        }
      } catch (err) {
        if (err instanceof SpeechError) throw err;
        throw new SpeechError(`ElevenLabs stream broke: ${(err as Error).message}`);
      }
      const out = new Uint8Array(size);
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.byteLength;
      }
      return out;
    }
  };
}
