// Who is calling: GoTrue's requireAuthentication (user JWT whose user and session still exist) and
// requireAdminCredentials (a service_role / supabase_admin JWT).
import { verifyJwt } from '../gateway/jwt.ts';
import { AuthError, errors } from './errors.ts';
import type { AuthServer } from './server_context.ts';
import { findUserById, sessionExists } from './store.ts';
import type { UserRow } from './user_json.ts';
import { isUuid } from './validation.ts';

const ADMIN_ROLES = new Set(['service_role', 'supabase_admin']);
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export type Claims = Record<string, unknown>;

export interface Caller {
  claims: Claims;
  user: UserRow;
  /** The session_id claim, or null for tokens without one. */
  sessionId: string | null;
}

const JWT_DETAIL: Record<string, string> = {
  expired: 'token has invalid claims: token is expired',
  bad_signature: 'token signature is invalid: signature is invalid',
  malformed: 'token is malformed: could not parse the token'
};

export async function bearerClaims(srv: AuthServer, bearer: string | null): Promise<Claims> {
  if (!bearer) throw errors.noAuthorization();
  const result = await verifyJwt(bearer, srv.jwtKeys);
  if (!result.ok) throw errors.badJwt(JWT_DETAIL[result.reason] ?? result.message);
  return result.claims;
}

function sessionIdOf(claims: Claims): string | null {
  const sid = claims.session_id;
  if (sid === undefined || sid === null || sid === '' || sid === NIL_UUID) return null;
  if (!isUuid(sid)) throw new AuthError(403, 'bad_jwt', 'invalid claim: session_id claim must be a UUID');
  return sid;
}

export async function requireUser(srv: AuthServer, bearer: string | null): Promise<Caller> {
  const claims = await bearerClaims(srv, bearer);
  const sub = claims.sub;
  if (sub === undefined || sub === null || sub === '') throw new AuthError(403, 'bad_jwt', 'invalid claim: missing sub claim');
  if (!isUuid(sub)) throw new AuthError(400, 'bad_jwt', 'invalid claim: sub claim must be a UUID');
  const user = await findUserById(srv.db, sub);
  if (!user) throw errors.userNotFoundFromJwt();
  const sessionId = sessionIdOf(claims);
  if (sessionId && !(await sessionExists(srv.db, sessionId))) throw errors.sessionNotFound();
  const aud = claims.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (user.aud && !audiences.includes(user.aud)) {
    throw new AuthError(403, 'bad_jwt', "Token audience doesn't match request audience");
  }
  return { claims, user, sessionId };
}

export async function requireAdmin(srv: AuthServer, bearer: string | null): Promise<Claims> {
  const claims = await bearerClaims(srv, bearer);
  if (typeof claims.role !== 'string' || !ADMIN_ROLES.has(claims.role)) throw errors.notAdmin();
  const sessionId = sessionIdOf(claims);
  if (sessionId && !(await sessionExists(srv.db, sessionId))) throw errors.sessionNotFound();
  return claims;
}
