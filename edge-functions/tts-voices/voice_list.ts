// The voices the ElevenLabs account can speak with, as GET /v1/voices lists them (voice_id, name, category,
// labels), read with the server's `xi-api-key`: the key never leaves the functions. The list changes rarely, so
// one answer is kept for a few minutes.

export interface TtsVoice {
  voice_id: string;
  name: string;
  /** ElevenLabs labels shown beside the name (gender, accent), when the voice has them. */
  gender: string | null;
  accent: string | null;
}

export interface VoiceList {
  voices(): Promise<TtsVoice[]>;
}

export class VoiceListError extends Error {
  override name = 'VoiceListError';
}

export interface ElevenLabsVoiceListOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  cacheMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

const VOICE_ID = /^[A-Za-z0-9_-]{1,64}$/;

const label = (labels: unknown, key: string): string | null => {
  const v = labels && typeof labels === 'object' ? (labels as Record<string, unknown>)[key] : null;
  return typeof v === 'string' && v.trim() ? v.trim().slice(0, 40) : null;
};

/** The usable voices of a /v1/voices answer, by name; anything malformed is left out. */
export function parseVoiceList(body: unknown): TtsVoice[] {
  const list = body && typeof body === 'object' ? (body as { voices?: unknown }).voices : null;
  if (!Array.isArray(list)) throw new VoiceListError('ElevenLabs answered without a voices list');
  const out: TtsVoice[] = [];
  for (const v of list) {
    if (!v || typeof v !== 'object') continue;
    const { voice_id, name, labels } = v as Record<string, unknown>;
    if (typeof voice_id !== 'string' || !VOICE_ID.test(voice_id) || typeof name !== 'string' || !name.trim()) continue;
    out.push({ voice_id, name: name.trim().slice(0, 60), gender: label(labels, 'gender'), accent: label(labels, 'accent') });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name, 'en'));
}

export function elevenLabsVoiceList(opts: ElevenLabsVoiceListOptions): VoiceList {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const cacheMs = opts.cacheMs ?? 5 * 60_000;
  let cached: { at: number; voices: TtsVoice[] } | null = null;
  return {
    async voices() {
      if (cached && now() - cached.at < cacheMs) return cached.voices;
      let res: Response;
      try {
        res = await doFetch(`${base}/v1/voices`, {
          headers: { 'xi-api-key': opts.apiKey, accept: 'application/json' },
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000)
        });
      } catch (err) {
        throw new VoiceListError(`ElevenLabs request failed: ${(err as Error).message}`);
      }
      if (!res.ok) {
        const detail = await res.text().catch(() => '');
        throw new VoiceListError(`ElevenLabs answered HTTP ${res.status}: ${detail.slice(0, 200)}`);
      }
      const voices = parseVoiceList(await res.json().catch(() => null));
      cached = { at: now(), voices };
      return voices;
    }
  };
}
