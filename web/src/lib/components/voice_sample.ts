// Fetching a persona's voice sample for VoiceSample.svelte. The function answers audio bytes, which
// `functions.invoke` would read as text (it only keeps octet-stream and PDF answers as a Blob), so this asks the
// functions endpoint directly with the signed-in user's token, by GET so the browser's cache can keep the answer.
// Samples already fetched on this page are replayed from memory.
import { errorSentence, type ApiFailure } from '../api_errors.ts';

export type VoiceSettingsInput = Partial<Record<'voice_stability' | 'voice_similarity_boost' | 'voice_style' | 'voice_speed', number>>;

export interface SampleEndpoint {
  /** The project URL (PUBLIC_SUPABASE_URL): the function lives at /functions/v1/persona-voice-sample. */
  supabaseUrl: string;
  anonKey: string;
  /** The current session's access token, or null when signed out. */
  accessToken: () => Promise<string | null>;
  fetch?: typeof fetch;
}

export type SampleResult = { ok: true; url: string } | { ok: false; error: ApiFailure };

const SETTING_ORDER = ['voice_stability', 'voice_similarity_boost', 'voice_style', 'voice_speed'] as const;

/** Whose voice: a persona (its saved customisation applies), or a voice from the vendor's list (a persona being made). */
export type SampleSubject = string | { voiceId: string };

/** The query for one sample; settings with two decimals, in a fixed order, so equal samples share one URL. */
export function sampleQuery(subject: SampleSubject, settings?: VoiceSettingsInput): string {
  const q = new URLSearchParams(typeof subject === 'string' ? { persona_id: subject } : { voice_id: subject.voiceId });
  for (const k of SETTING_ORDER) {
    const v = settings?.[k];
    if (typeof v === 'number' && Number.isFinite(v)) q.set(k, (Math.round(v * 100) / 100).toFixed(2));
  }
  return q.toString();
}

async function failureOf(res: Response): Promise<ApiFailure> {
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof body.error?.code === 'string' ? body.error.code : null;
    if (code) return { code, message: errorSentence(code, typeof body.error?.message === 'string' ? body.error.message : null) };
  } catch {
    // Not our JSON (a proxy's page): judged by the status below.
  }
  if (res.status === 401) return { code: 'unauthenticated', message: errorSentence('unauthenticated') };
  if (res.status === 429) return { code: 'voice_sample_rate_limited', message: errorSentence('voice_sample_rate_limited') };
  return { code: 'voice_sample_unavailable', message: errorSentence('voice_sample_unavailable') };
}

/** Keeps the object URLs of samples already heard; the oldest are released past `limit`. */
export function sampleMemory(limit = 24) {
  const urls = new Map<string, string>();
  return {
    get: (key: string) => urls.get(key),
    put(key: string, url: string) {
      urls.set(key, url);
      while (urls.size > limit) {
        const [oldKey, oldUrl] = urls.entries().next().value as [string, string];
        urls.delete(oldKey);
        URL.revokeObjectURL(oldUrl);
      }
    }
  };
}

const memory = sampleMemory();

/** An object URL of the sample to play, or a failure with a sentence; never throws. */
export async function loadVoiceSample(endpoint: SampleEndpoint, subject: SampleSubject, settings?: VoiceSettingsInput, signal?: AbortSignal): Promise<SampleResult> {
  const query = sampleQuery(subject, settings);
  const known = memory.get(query);
  if (known) return { ok: true, url: known };
  const token = await endpoint.accessToken().catch(() => null);
  // Without a session (the landing page) the function plays a persona's default voice; other settings, or a bare
  // voice, need one.
  if (!token && (typeof subject !== 'string' || query !== sampleQuery(subject))) return { ok: false, error: { code: 'unauthenticated', message: errorSentence('unauthenticated') } };
  let res: Response;
  try {
    res = await (endpoint.fetch ?? fetch)(`${endpoint.supabaseUrl.replace(/\/+$/, '')}/functions/v1/persona-voice-sample?${query}`, {
      headers: token ? { authorization: `Bearer ${token}`, apikey: endpoint.anonKey } : { apikey: endpoint.anonKey },
      signal
    });
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') return { ok: false, error: { code: 'aborted', message: '' } };
    return { ok: false, error: { code: 'network', message: errorSentence('network') } };
  }
  if (!res.ok) return { ok: false, error: await failureOf(res) };
  const type = res.headers.get('content-type') ?? '';
  // Only audio is ever handed to the player.
  if (!type.startsWith('audio/')) return { ok: false, error: { code: 'voice_sample_unavailable', message: errorSentence('voice_sample_unavailable') } };
  const blob = await res.blob();
  const url = URL.createObjectURL(new Blob([blob], { type }));
  memory.put(query, url);
  return { ok: true, url };
}

// One sample plays at a time on a page: starting one stops whichever was playing.
let stopPlaying: (() => void) | null = null;

/** Registers the stop action of the sample that just started, stopping the previous one. */
export function takeTurn(stop: () => void): void {
  const previous = stopPlaying;
  stopPlaying = stop;
  if (previous && previous !== stop) previous();
}

export function releaseTurn(stop: () => void): void {
  if (stopPlaying === stop) stopPlaying = null;
}

interface SessionSource {
  auth: { getSession(): Promise<{ data: { session: { access_token: string } | null } }> };
}

/** The endpoint for a page: the project from the public config, the token from the page's Supabase client. */
export function sampleEndpoint(client: SessionSource, cfg: { supabaseUrl: string; supabaseKey: string }): SampleEndpoint {
  return {
    supabaseUrl: cfg.supabaseUrl,
    anonKey: cfg.supabaseKey,
    accessToken: async () => (await client.auth.getSession()).data.session?.access_token ?? null
  };
}
