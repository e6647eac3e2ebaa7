// Functions only the platform may call (pg_cron through pg_net): the bearer must be a JWT whose signature checks out
// and whose role claim is service_role. The gateway's verify_jwt checks the signature too; this check does not rely
// on it, so a function deployed with verify_jwt off still refuses everyone else.
import { createLocalJWKSet, decodeProtectedHeader, importJWK, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';
import { fail } from './responses.ts';

/** Returns the token's claims when its signature is valid, else null. */
export type ClaimsVerifier = (token: string) => Promise<Record<string, unknown> | null>;

export function bearerToken(req: Request): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get('authorization') ?? '');
  return m ? m[1]! : null;
}

/** null when the request carries a valid service-role token; otherwise the response to send. */
export async function requireServiceRole(req: Request, verify: ClaimsVerifier): Promise<Response | null> {
  const token = bearerToken(req);
  if (!token) return fail(401, 'unauthenticated', 'This endpoint needs the service-role key as a Bearer token.');
  const claims = await verify(token).catch(() => null);
  if (!claims) return fail(401, 'unauthenticated', 'The Bearer token is not valid for this project.');
  if (claims.role !== 'service_role') return fail(403, 'forbidden', 'Only the service role may call this endpoint.');
  return null;
}

/**
 * Verifies against the project's keys: the JWKS the platform hands functions (SUPABASE_JWKS, which includes the
 * HS256 secret as a symmetric key) when present; otherwise only the exact service-role key is accepted.
 */
export function projectClaimsVerifier(jwks: string | undefined, serviceRoleKey: string | undefined): ClaimsVerifier {
  if (jwks) {
    const set = JSON.parse(jwks) as JSONWebKeySet;
    // jose's key sets hold asymmetric keys only; the HS256 secret arrives as an "oct" key and is tried directly.
    const symmetric = set.keys.filter((k) => k.kty === 'oct');
    const asymmetric = set.keys.filter((k) => k.kty !== 'oct');
    const remote = asymmetric.length > 0 ? createLocalJWKSet({ keys: asymmetric }) : null;
    return async (token) => {
      const alg = decodeProtectedHeader(token).alg ?? '';
      if (alg.startsWith('HS')) {
        for (const jwk of symmetric) {
          const key = await importJWK({ ...jwk, alg } as JWK, alg);
          const verified = await jwtVerify(token, key, { algorithms: [alg] }).catch(() => null);
          if (verified) return verified.payload as Record<string, unknown>;
        }
        return null;
      }
      return remote ? ((await jwtVerify(token, remote)).payload as Record<string, unknown>) : null;
    };
  }
  return (token) => Promise.resolve(serviceRoleKey && timingSafeEqual(token, serviceRoleKey) ? decodeClaims(token) : null);
}

function decodeClaims(token: string): Record<string, unknown> | null {
  try {
    const part = token.split('.')[1] ?? '';
    return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return null;
  }
}

function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
