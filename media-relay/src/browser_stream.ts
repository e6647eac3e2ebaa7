// The browser softphone's stream (PUBLIC_BROWSER_CALLS=softphone): `/browser/stream` on the relay. It reaches the same pipeline as a phone
// call, speaking the Twilio Media Streams message format, so the relay has one call path.
//
// Protocol (for the web page):
//   1. Open `ws(s)://<relay>/browser/stream` (no query string: tokens in URLs end up in logs).
//   2. Optionally send `{"event":"connected","protocol":"Call","version":"1.0.0"}`.
//   3. Within 5 s send `start`, exactly as Twilio does, with the user's Supabase access token and the call id as
//      custom parameters:
//        {"event":"start","sequenceNumber":"1","streamSid":"<any id you pick, e.g. MZ + random hex>",
//         "start":{"accountSid":"browser","streamSid":"<same id>","callSid":"<the call id>","tracks":["inbound"],
//                  "customParameters":{"call_id":"<calls.id>","access_token":"<session.access_token>"},
//                  "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}
//      The call must be one the user placed with mode "browser" (calls-create), not finished, and not already
//      connected from another socket. Otherwise the socket is closed with 1008 and one of the reasons
//      token_missing, call_id_missing, auth_invalid, session_revoked, call_not_found (unknown or someone else's),
//      call_not_browser, call_finished, call_already_connected; 1013 verifier_unavailable means "try again".
//   4. Then stream the microphone as `media` messages: 20 ms of 8 kHz mono μ-law (160 bytes), base64, with
//      `sequenceNumber`, `media.track` "inbound", `media.chunk` (1, 2, …) and `media.timestamp` (ms since start),
//      all as decimal strings.
//   5. The relay sends `media` (base64 μ-law 8 kHz to play, in order, queued behind what is already playing),
//      `mark` (echo `{"event":"mark",…,"mark":{"name":<same>}}` back when everything queued before it has played)
//      and `clear` (drop all queued audio at once and echo every pending mark immediately).
//   6. To hang up send `stop` (`{"event":"stop","sequenceNumber":…,"streamSid":…,"stop":{"accountSid":"browser",
//      "callSid":"<call id>"}}`) or close the socket. When the persona ends the call the relay closes with 1000.
//   The relay moves the call to in_progress when the stream is admitted and, when it ends, to completed with the
//   stream's duration and the end reason, then settles it (there are no Twilio callbacks for browser calls).
import type { StartMessage } from '../../core/src/media_streams.ts';
import type { CallStore } from './call_store.ts';

export const BROWSER_STREAM_PATH = '/browser/stream';

export type BrowserAuthVerdict =
  | { ok: true; userId: string; sessionId: string }
  | { ok: false; reason: 'token_missing' | 'auth_invalid' | 'session_revoked' };

/** Checks a Supabase access token presented by the browser. Throws when Auth cannot be asked (try again later). */
export interface BrowserAuthVerifier {
  verify(accessToken: string | undefined): Promise<BrowserAuthVerdict>;
}

function claimsOf(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const c = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof c === 'object' && c !== null ? (c as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Asks Supabase Auth (`GET /auth/v1/user`, what supabase-js `auth.getUser(jwt)` does) whether the token is good:
 * Auth checks the signature with whatever keys the project uses, the expiry and that the session still exists.
 * A session signed out into token_blacklist is refused as well, as for every other command of the product.
 */
export class SupabaseAuthVerifier implements BrowserAuthVerifier {
  private readonly opts: {
    supabaseUrl: string;
    anonKey: string;
    isSessionRevoked: (sessionId: string) => Promise<boolean>;
    timeoutMs?: number;
  };

  constructor(opts: SupabaseAuthVerifier['opts']) {
    this.opts = opts;
  }

  async verify(accessToken: string | undefined): Promise<BrowserAuthVerdict> {
    if (!accessToken) return { ok: false, reason: 'token_missing' };
    const c = accessToken.length <= 8192 ? claimsOf(accessToken) : null;
    if (!c || c.role !== 'authenticated' || typeof c.sub !== 'string' || typeof c.session_id !== 'string') {
      return { ok: false, reason: 'auth_invalid' };
    }
    const res = await fetch(`${this.opts.supabaseUrl}/auth/v1/user`, {
      headers: { authorization: `Bearer ${accessToken}`, apikey: this.opts.anonKey },
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000)
    });
    if (res.status >= 500) throw new Error(`Auth answered HTTP ${res.status}`);
    if (!res.ok) return { ok: false, reason: 'auth_invalid' };
    const user = (await res.json().catch(() => null)) as { id?: unknown } | null;
    if (!user || user.id !== c.sub) return { ok: false, reason: 'auth_invalid' };
    if (await this.opts.isSessionRevoked(c.session_id)) return { ok: false, reason: 'session_revoked' };
    return { ok: true, userId: c.sub, sessionId: c.session_id };
  }
}

export type BrowserAdmission =
  | { ok: true; callId: string }
  | { ok: false; code: number; reason: string };

/** Who may open a browser stream for which call; nothing here opens a provider. */
export async function admitBrowserStart(msg: StartMessage, verifier: BrowserAuthVerifier, store: CallStore): Promise<BrowserAdmission> {
  const { customParameters } = msg.start;
  const callId = customParameters.call_id;
  let verdict: BrowserAuthVerdict;
  try {
    verdict = await verifier.verify(customParameters.access_token);
  } catch {
    return { ok: false, code: 1013, reason: 'verifier_unavailable' };
  }
  if (!verdict.ok) return { ok: false, code: 1008, reason: verdict.reason };
  if (!callId) return { ok: false, code: 1008, reason: 'call_id_missing' };
  const owner = await store.callOwnership(callId);
  // Someone else's call is reported exactly like an unknown one: its existence is not revealed.
  if (!owner || owner.userId !== verdict.userId) return { ok: false, code: 1008, reason: 'call_not_found' };
  if (owner.mode !== 'browser') return { ok: false, code: 1008, reason: 'call_not_browser' };
  if (owner.finished) return { ok: false, code: 1008, reason: 'call_finished' };
  return { ok: true, callId };
}
