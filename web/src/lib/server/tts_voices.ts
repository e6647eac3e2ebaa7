// The TTS vendor's voices for the persona editor, from the tts-voices function with the user's own session: the
// vendor key stays in the functions, and the same list checks the voice a submitted form names.
import { publicConfig } from '$lib/public_config';
import type { VoiceOption } from '$lib/own_persona';

export type VoicesResult = { ok: true; voices: VoiceOption[] } | { ok: false; message: string };

const UNAVAILABLE = 'The list of voices could not be loaded right now. Reload the page in a moment.';

export async function loadVoices(fetcher: typeof fetch, locals: App.Locals): Promise<VoicesResult> {
  const { session } = await locals.safeGetSession();
  if (!session) return { ok: false, message: 'Sign in again to choose a voice.' };
  const cfg = publicConfig();
  try {
    const res = await fetcher(`${cfg.supabaseUrl.replace(/\/+$/, '')}/functions/v1/tts-voices`, {
      headers: { apikey: cfg.supabaseKey, authorization: `Bearer ${session.access_token}` },
      signal: AbortSignal.timeout(10_000)
    });
    if (!res.ok) return { ok: false, message: UNAVAILABLE };
    const body = (await res.json()) as { voices?: VoiceOption[] };
    return Array.isArray(body.voices) && body.voices.length > 0 ? { ok: true, voices: body.voices } : { ok: false, message: UNAVAILABLE };
  } catch {
    return { ok: false, message: UNAVAILABLE };
  }
}
