// A Twilio Access Token for one browser call: the signed-in owner of an unfinished browser-mode call gets a
// short-lived token that lets the Voice SDK place exactly one kind of call — an outgoing call to our TwiML App,
// carrying the call id — and never receive one. Twilio then asks the app's Voice URL (twilio-browser-twiml) what
// to do, which connects the call to the media relay like a phone call.
import AccessToken from 'twilio/lib/jwt/AccessToken.js';
import { isTerminalCallStatus, type CallStatus } from '../../core/src/call_status.ts';
import { appError } from '../../core/src/errors.ts';
import { isUuid } from '../_shared/ids.ts';
import type { Queryable } from '../_shared/queryable.ts';
import { readJsonObject } from '../_shared/request_body.ts';
import { functionSettingsFrom } from '../_shared/settings.ts';
import { failWith, json } from '../_shared/responses.ts';
import { requireSession, type SessionDeps } from '../_shared/user_session.ts';

/** Long enough to fetch the SDK, ask for the microphone and start the call; the call outlives its token. */
export const ACCESS_TOKEN_TTL_SECONDS = 10 * 60;

export interface TwilioVoiceConfig {
  accountSid: string;
  /** An API Key (SK…) of the account: its SID signs as issuer, its secret is the HMAC key. */
  apiKeySid: string;
  apiKeySecret: string;
  /** The TwiML App (AP…) whose Voice URL is twilio-browser-twiml. */
  twimlAppSid: string;
}

export interface BrowserCallTokenDeps {
  session: SessionDeps;
  db: Queryable;
  /** null when browser calls through Twilio are not configured here. */
  twilio: TwilioVoiceConfig | null;
  ttlSeconds?: number;
}

/** The Voice settings, or null when any is missing (browser calls through Twilio are then unavailable). */
export function twilioVoiceConfig(get: (name: string) => string | undefined): TwilioVoiceConfig | null {
  // Only absence turns browser calls off; a malformed value stops the function like any bad setting.
  if (!get('TWILIO_ACCOUNT_SID')?.trim()) return null;
  const s = functionSettingsFrom(['TWILIO_ACCOUNT_SID', 'TWILIO_API_KEY_SID', 'TWILIO_API_KEY_SECRET', 'TWILIO_TWIML_APP_SID'], get);
  if (!s.TWILIO_API_KEY_SID || !s.TWILIO_API_KEY_SECRET || !s.TWILIO_TWIML_APP_SID) return null;
  return { accountSid: s.TWILIO_ACCOUNT_SID, apiKeySid: s.TWILIO_API_KEY_SID, apiKeySecret: s.TWILIO_API_KEY_SECRET, twimlAppSid: s.TWILIO_TWIML_APP_SID };
}

/**
 * Twilio's Access Token format (HS256 JWT, header cty "twilio-fpa;v=1", iss = API Key SID, sub = Account SID,
 * jti = "<key sid>-<now>", grants.identity + grants.voice), made by Twilio's own helper library. Incoming calls are
 * not granted: the library leaves `incoming` out unless it is allowed, which Twilio reads as "not allowed".
 */
export function mintVoiceAccessToken(cfg: TwilioVoiceConfig, identity: string, callId: string, ttlSeconds: number): string {
  const token = new AccessToken(cfg.accountSid, cfg.apiKeySid, cfg.apiKeySecret, { identity, ttl: ttlSeconds });
  token.addGrant(new AccessToken.VoiceGrant({
    incomingAllow: false,
    outgoingApplicationSid: cfg.twimlAppSid,
    outgoingApplicationParams: { call_id: callId }
  }));
  return token.toJwt('HS256');
}

export async function handleBrowserCallToken(req: Request, deps: BrowserCallTokenDeps): Promise<Response> {
  if (req.method !== 'POST') return failWith(appError('invalid_input', 'Use POST.'));
  const session = await requireSession(req, deps.session);
  if (session instanceof Response) return session;
  if (!deps.twilio) return failWith(appError('browser_calls_unavailable'));
  const body = await readJsonObject(req);
  if (!body.ok) return failWith(body.error);
  const callId = body.value.call_id;
  if (!isUuid(callId)) return failWith(appError('call_not_found'));

  const r = await deps.db.query<{ mode: string; status: string; twilio_call_sid: string | null }>(
    'select mode, status, twilio_call_sid from public.calls where id = $1 and user_id = $2', [callId, session.userId]);
  const call = r.rows[0];
  // Someone else's call is answered exactly like an unknown one.
  if (!call) return failWith(appError('call_not_found'));
  if (call.mode !== 'browser') return failWith(appError('call_not_browser'));
  if (isTerminalCallStatus(call.status as CallStatus)) return failWith(appError('call_already_ended'));
  // Twilio already carries this call (another tab or window): a second connection would be refused anyway.
  if (call.twilio_call_sid) {
    return failWith(appError('conflict', 'This call is already connected in another tab or window. Talk there, or hang up and start a new call.'));
  }

  const ttl = deps.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS;
  const token = mintVoiceAccessToken(deps.twilio, session.userId, callId, ttl);
  return json(200, { token, identity: session.userId, call_id: callId, expires_in: ttl }, { 'Cache-Control': 'no-store' });
}
