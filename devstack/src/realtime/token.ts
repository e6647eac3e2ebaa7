// Access tokens as Realtime checks them: a valid JWT (HS256 or the project's asymmetric key) with `role` and `exp` claims, not expired.
import { verifyJwt, type JwtKeyInput } from '../gateway/jwt.ts';

export interface VerifiedToken {
  token: string;
  claims: Record<string, unknown>;
  role: string;
  /** Expiry in seconds since the epoch. */
  exp: number;
  /** The claims serialised once, as policies read them from `request.jwt.claims`. */
  claimsJson: string;
}

export type TokenResult = { ok: true; value: VerifiedToken } | { ok: false; message: string };

function unverifiedExp(token: string): number | null {
  try {
    const body = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    return typeof body.exp === 'number' ? body.exp : null;
  } catch {
    return null;
  }
}

export async function verifyToken(token: string | null | undefined, keys: JwtKeyInput): Promise<TokenResult> {
  if (!token) return { ok: false, message: 'No API key or access token was provided.' };
  const result = await verifyJwt(token, keys);
  if (!result.ok) {
    if (result.reason === 'expired') {
      const exp = unverifiedExp(token);
      const ago = exp === null ? 0 : Math.max(0, Math.floor(Date.now() / 1000) - exp);
      return { ok: false, message: `InvalidJWTToken: Token has expired ${ago} seconds ago` };
    }
    if (result.reason === 'bad_signature') return { ok: false, message: 'InvalidJWTToken: The token signature is invalid.' };
    return { ok: false, message: `InvalidJWTToken: The token is malformed (${result.message}).` };
  }
  const { claims } = result;
  if (typeof claims.role !== 'string' || typeof claims.exp !== 'number') {
    return { ok: false, message: 'InvalidJWTToken: Fields `role` and `exp` are required in JWT' };
  }
  return { ok: true, value: { token, claims, role: claims.role, exp: claims.exp, claimsJson: JSON.stringify(claims) } };
}

/** Milliseconds until the token expires (0 when already expired). */
export function msUntilExpiry(t: VerifiedToken, now = Date.now()): number {
  return Math.max(0, t.exp * 1000 - now);
}
