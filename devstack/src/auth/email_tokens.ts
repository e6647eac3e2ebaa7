// E-mail link tokens as GoTrue makes them: a six-digit code, stored only as sha256(email + code) in hex, with a
// `pkce_` prefix when the flow that sent the mail uses PKCE; the link is `<auth url>/verify?token=…&type=…&redirect_to=…`.
import { createHash, randomInt } from 'node:crypto';

export const PKCE_PREFIX = 'pkce_';

export function newOtp(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

export function tokenHash(email: string, otp: string): string {
  return createHash('sha256').update(`${email}${otp}`).digest('hex');
}

export function storedToken(hash: string, pkce: boolean): string {
  return pkce ? `${PKCE_PREFIX}${hash}` : hash;
}

/** The hash without its flow prefix, and whether it had one. */
export function splitToken(token: string): { hash: string; pkce: boolean } {
  return token.startsWith(PKCE_PREFIX) ? { hash: token.slice(PKCE_PREFIX.length), pkce: true } : { hash: token, pkce: false };
}

export function verifyLink(authUrl: string, token: string, type: 'signup' | 'recovery', redirectTo: string): string {
  const q = new URLSearchParams({ token, type, redirect_to: redirectTo });
  return `${authUrl}/verify?${q.toString()}`;
}

/** Where GET /verify sends the browser: tokens in the fragment (implicit flow) or `?code=` (PKCE). */
export function implicitRedirect(base: string, session: { access_token: string; expires_at: number; expires_in: number; refresh_token: string; token_type: string }, type: string): string {
  const q = new URLSearchParams({
    access_token: session.access_token,
    expires_at: String(session.expires_at),
    expires_in: String(session.expires_in),
    refresh_token: session.refresh_token,
    token_type: session.token_type,
    type
  });
  return `${base.split('#')[0]}#${q.toString()}`;
}

export function codeRedirect(base: string, code: string): string {
  const url = new URL(base);
  url.searchParams.set('code', code);
  return url.toString();
}

/** GoTrue's error redirect: in the query for PKCE flows, in the fragment otherwise. */
export function errorRedirect(base: string, pkce: boolean, errorCode: string, description: string): string {
  const q = new URLSearchParams({ error: 'access_denied', error_code: errorCode, error_description: description });
  if (pkce) {
    const url = new URL(base);
    for (const [k, v] of q) url.searchParams.set(k, v);
    return url.toString();
  }
  return `${base.split('#')[0]}#${q.toString()}`;
}
