// Twilio signs the WebSocket upgrade of a Media Stream: `X-Twilio-Signature` is the HMAC-SHA1 of the stream URL
// exactly as written in the TwiML (`wss://…`, no parameters), keyed with the account's auth token. The URL is
// rebuilt from our configured public stream URL, never from Host or X-Forwarded-* headers (a caller controls
// those), and only the documented variants are accepted: that URL with or without a trailing slash (the twilio
// library also tries it with and without the default port). An `https://` rebuild of the same address or the
// signature of some other webhook does not match. The stream token in `start` stays the second gate.
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';

export type UpgradeSignatureCheck = { ok: true } | { ok: false; reason: 'twilio_signature_missing' | 'twilio_signature_invalid' };

/** The URLs Twilio may have signed for a stream configured at `streamUrl`, given the raw query string received. */
export function signedUrlVariants(streamUrl: string, rawQuery: string): string[] {
  const base = streamUrl.replace(/\/+$/, '');
  const q = rawQuery ? `?${rawQuery}` : '';
  return [`${base}${q}`, `${base}/${q}`];
}

export function checkUpgradeSignature(header: string | string[] | undefined, streamUrl: string, rawQuery: string, authTokens: readonly string[]): UpgradeSignatureCheck {
  const signature = Array.isArray(header) ? header[0] : header;
  if (!signature) return { ok: false, reason: 'twilio_signature_missing' };
  const urls = signedUrlVariants(streamUrl, rawQuery);
  const valid = authTokens.some((token) => urls.some((url) => validateRequest(token, signature, url, {})));
  return valid ? { ok: true } : { ok: false, reason: 'twilio_signature_invalid' };
}
