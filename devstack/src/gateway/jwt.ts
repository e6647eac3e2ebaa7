// JWT verification shared by every service (supabase-api.md §1.4): HS256 with the project secret.
import { errors, jwtVerify, type JWTPayload } from 'jose';

export type JwtResult =
  | { ok: true; claims: JWTPayload & Record<string, unknown> }
  | { ok: false; reason: 'malformed' | 'expired' | 'bad_signature' | 'invalid' ; message: string };

const encoder = new TextEncoder();
const secretCache = new Map<string, Uint8Array>();

function secretBytes(secret: string): Uint8Array {
  let bytes = secretCache.get(secret);
  if (!bytes) {
    bytes = encoder.encode(secret);
    secretCache.set(secret, bytes);
  }
  return bytes;
}

export async function verifyJwt(token: string, secret: string): Promise<JwtResult> {
  if (token.split('.').length !== 3) return { ok: false, reason: 'malformed', message: 'token is malformed' };
  try {
    const { payload } = await jwtVerify(token, secretBytes(secret), { algorithms: ['HS256'] });
    return { ok: true, claims: payload as JWTPayload & Record<string, unknown> };
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired', message: 'token has expired' };
    if (err instanceof errors.JWSSignatureVerificationFailed) {
      return { ok: false, reason: 'bad_signature', message: 'signature is invalid' };
    }
    if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
      return { ok: false, reason: 'malformed', message: 'token is malformed' };
    }
    return { ok: false, reason: 'invalid', message: (err as Error).message };
  }
}
