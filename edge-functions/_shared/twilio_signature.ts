// Validation of Twilio's X-Twilio-Signature on webhooks (TwiML fetches, status callbacks). The URL that was signed is
// rebuilt from our configured public base URL and the raw path and query as received — never from Host or
// X-Forwarded-* headers, which a caller controls.
import { validateRequest, validateRequestWithBody } from 'twilio/lib/webhooks/webhooks.js';

export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;

export type SignatureCheck =
  | { ok: true; params: Record<string, string | string[]>; rawBody: string }
  | { ok: false; status: 403 | 413 | 415; code: string; message: string };

/** The URL Twilio signed: the public base (scheme, host, port, path prefix) + the raw path and query we received. */
export function signedUrl(publicBaseUrl: string, req: Request, functionPathPrefix: string): string {
  const received = new URL(req.url);
  const rawPathAndQuery = req.url.slice(req.url.indexOf(received.host) + received.host.length);
  // A function sees its path as /<slug>/...; the public URL carries the gateway's /functions/v1 prefix in front.
  return publicBaseUrl.replace(/\/+$/, '') + functionPathPrefix + rawPathAndQuery;
}

function formParams(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** Reads the body (bounded) and checks the signature with each accepted auth token (rotation). */
export async function checkTwilioSignature(req: Request, url: string, authTokens: string[]): Promise<SignatureCheck> {
  const tokens = authTokens.filter((t) => t.length > 0);
  if (tokens.length === 0) throw new Error('TWILIO_AUTH_TOKEN is not configured: refusing to accept unsigned webhooks');
  const header = req.headers.get('x-twilio-signature');
  if (!header) return { ok: false, status: 403, code: 'twilio_signature_missing', message: 'This request is not signed by Twilio.' };
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > MAX_WEBHOOK_BODY_BYTES) return { ok: false, status: 413, code: 'body_too_large', message: 'The request body is too large.' };
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.length > MAX_WEBHOOK_BODY_BYTES) return { ok: false, status: 413, code: 'body_too_large', message: 'The request body is too large.' };
  const rawBody = new TextDecoder().decode(bytes);
  if (type === 'application/json' || new URL(url).searchParams.has('bodySHA256')) {
    const valid = tokens.some((t) => validateRequestWithBody(t, header, url, rawBody));
    return valid
      ? { ok: true, params: {}, rawBody }
      : { ok: false, status: 403, code: 'twilio_signature_invalid', message: 'The Twilio signature does not match this request.' };
  }
  if (type !== 'application/x-www-form-urlencoded' && !(type === '' && bytes.length === 0)) {
    return { ok: false, status: 415, code: 'unsupported_media_type', message: 'Twilio webhooks must be form-encoded or JSON.' };
  }
  const params = formParams(rawBody);
  const valid = tokens.some((t) => validateRequest(t, header, url, params));
  return valid
    ? { ok: true, params, rawBody }
    : { ok: false, status: 403, code: 'twilio_signature_invalid', message: 'The Twilio signature does not match this request.' };
}

/** One value of a form parameter (the last, when repeated). */
export function param(params: Record<string, string | string[]>, name: string): string | undefined {
  const v = params[name];
  return Array.isArray(v) ? v.at(-1) : v;
}
