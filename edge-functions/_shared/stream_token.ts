// Stream tokens for <Connect><Stream>: `<base64url(JSON {callId, callSid, exp})>.<base64url(HMAC-SHA256)>` with the
// secret shared with the media relay, which verifies the signature and admits each token once.
import { createHmac } from 'node:crypto';

export const STREAM_TOKEN_TTL_SECONDS = 120;

export function mintStreamToken(claims: { callId: string; callSid?: string; exp: number }, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
}
