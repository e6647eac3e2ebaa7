// The voices a user can give a persona of their own: a signed-in user's GET answers the TTS vendor's voice list
// (id, name, gender and accent), read server-side so the vendor key stays in the functions.
import { appError } from '../../core/src/errors.ts';
import { failWith, json } from '../_shared/responses.ts';
import { requireSession, type SessionDeps } from '../_shared/user_session.ts';
import type { VoiceList } from './voice_list.ts';

export interface TtsVoicesDeps {
  session: SessionDeps;
  list: VoiceList;
  log?: (line: string) => void;
}

export async function handleTtsVoices(req: Request, deps: TtsVoicesDeps): Promise<Response> {
  if (req.method !== 'GET') return failWith(appError('invalid_input', 'Use GET.'));
  const session = await requireSession(req, deps.session);
  if (session instanceof Response) return session;
  try {
    const voices = await deps.list.voices();
    return json(200, { voices }, { 'Cache-Control': 'private, max-age=300' });
  } catch (err) {
    deps.log?.(`tts-voices: ${(err as Error).message}`);
    return failWith(appError('provider_unavailable', 'The list of voices could not be loaded right now. Try again in a moment.'));
  }
}
