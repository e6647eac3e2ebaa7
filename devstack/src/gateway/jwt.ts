// JWT verification shared by every service (supabase-api.md §1.4). A token names its algorithm: ES256 tokens are
// checked against the project's public keys by `kid`; HS256 ones against the legacy secret, and only while that
// secret is on. Symmetric keys never come from a key set, so a published JWKS cannot be used to forge tokens.
import { decodeProtectedHeader, errors, importJWK, jwtVerify, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export type JwtResult =
  | { ok: true; claims: JWTPayload & Record<string, unknown> }
  | { ok: false; reason: 'malformed' | 'expired' | 'bad_signature' | 'invalid' ; message: string };

/** What a service verifies with. A bare string is the HS256 secret (the default profile, as `supabase start`). */
export interface JwtKeys {
  /** The legacy HS256 secret, or null when legacy tokens are refused. */
  hsSecret: string | null;
  /** Public asymmetric JWKs (each with `kid`); `oct` entries are ignored. */
  publicKeys: readonly JsonWebKey[];
}
export type JwtKeyInput = string | JwtKeys;

const encoder = new TextEncoder();
const secretCache = new Map<string, Uint8Array>();
const publicKeyCache = new WeakMap<object, Promise<CryptoKey | Uint8Array>>();

function secretBytes(secret: string): Uint8Array {
  let bytes = secretCache.get(secret);
  if (!bytes) {
    bytes = encoder.encode(secret);
    secretCache.set(secret, bytes);
  }
  return bytes;
}

function publicKey(jwk: JsonWebKey): Promise<CryptoKey | Uint8Array> {
  let key = publicKeyCache.get(jwk);
  if (!key) {
    // Only the public members are imported, so a private JWK handed in by mistake still cannot sign.
    const { kty, crv, x, y, n, e } = jwk;
    key = importJWK({ kty, crv, x, y, n, e } as JWK, (jwk as { alg?: string }).alg) as Promise<CryptoKey | Uint8Array>;
    publicKeyCache.set(jwk, key);
  }
  return key;
}

function failure(err: unknown): JwtResult {
  if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired', message: 'token has expired' };
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return { ok: false, reason: 'bad_signature', message: 'signature is invalid' };
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return { ok: false, reason: 'malformed', message: 'token is malformed' };
  }
  return { ok: false, reason: 'invalid', message: (err as Error).message };
}

const ASYMMETRIC = new Set(['ES256', 'RS256']);

export async function verifyJwt(token: string, keys: JwtKeyInput): Promise<JwtResult> {
  if (token.split('.').length !== 3) return { ok: false, reason: 'malformed', message: 'token is malformed' };
  const set: JwtKeys = typeof keys === 'string' ? { hsSecret: keys, publicKeys: [] } : keys;
  let header: { alg?: string; kid?: string };
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return { ok: false, reason: 'malformed', message: 'token is malformed' };
  }
  try {
    if (header.alg === 'HS256') {
      if (set.hsSecret === null) {
        return { ok: false, reason: 'bad_signature', message: 'HS256 tokens are not accepted: legacy JWT keys are off' };
      }
      const { payload } = await jwtVerify(token, secretBytes(set.hsSecret), { algorithms: ['HS256'] });
      return { ok: true, claims: payload as JWTPayload & Record<string, unknown> };
    }
    if (header.alg && ASYMMETRIC.has(header.alg)) {
      const jwk = set.publicKeys.find((k) => k.kty !== 'oct' && (k as { kid?: string }).kid === header.kid);
      if (!header.kid || !jwk) return { ok: false, reason: 'bad_signature', message: 'no signing key matches the token kid' };
      const { payload } = await jwtVerify(token, await publicKey(jwk), { algorithms: [header.alg] });
      return { ok: true, claims: payload as JWTPayload & Record<string, unknown> };
    }
    return { ok: false, reason: 'invalid', message: `unsupported signing alg "${header.alg ?? ''}"` };
  } catch (err) {
    return failure(err);
  }
}
