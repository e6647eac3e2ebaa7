// ElevenLabs streaming text-to-speech, asked for `ulaw_8000` so the bytes go to the phone line untouched.
// Usage is the characters sent (what ElevenLabs bills), reported once the audio has been received.
import type { RelayConfig } from './config.ts';
import { ProviderError, type TextToSpeech, type TtsEvent } from './provider_contracts.ts';

const isAbort = (err: unknown) => (err as Error)?.name === 'AbortError';

export function createElevenLabsTts(cfg: RelayConfig['tts']): TextToSpeech {
  return {
    info: { service: 'elevenlabs', model: cfg.modelId },
    async *synthesize(text, { voiceId, signal, voiceSettings }): AsyncIterable<TtsEvent> {
      const url = `${cfg.baseUrl}/v1/text-to-speech/${encodeURIComponent(voiceId || cfg.defaultVoiceId)}/stream?output_format=ulaw_8000`;
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'xi-api-key': cfg.apiKey, accept: 'audio/basic' },
          body: JSON.stringify({
            text,
            model_id: cfg.modelId,
            ...(voiceSettings ? { voice_settings: { stability: voiceSettings.stability, similarity_boost: voiceSettings.similarityBoost, style: voiceSettings.style, speed: voiceSettings.speed } } : {})
          }),
          signal
        });
      } catch (err) {
        if (isAbort(err) || signal.aborted) return;
        throw new ProviderError(`ElevenLabs request failed: ${(err as Error).message}`, { service: 'elevenlabs', retryable: true, cause: err });
      }
      // An error body must never be played as audio (it would be heard as clicks and noise).
      if (!res.ok || !res.body) {
        const detail = await res.text().catch(() => '');
        throw new ProviderError(`ElevenLabs answered HTTP ${res.status}: ${detail.slice(0, 200)}`, {
          service: 'elevenlabs', retryable: res.status === 429 || res.status >= 500, status: res.status
        });
      }
      try {
        for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
          if (signal.aborted) return;
          yield { type: 'audio', mulaw: part };
        }
      } catch (err) {
        if (isAbort(err) || signal.aborted) return;
        throw new ProviderError(`ElevenLabs stream broke: ${(err as Error).message}`, { service: 'elevenlabs', retryable: true, cause: err });
      }
      yield { type: 'usage', characters: text.length };
    }
  };
}
