// Turns the bearer token into the database role and claims for the request (supabase-api.md §3.1 step 1).
import { verifyJwt, type JwtKeyInput } from '../gateway/jwt.ts';
import { RestError } from './errors.ts';
import type { SchemaSnapshot } from './schema_cache.ts';

export interface RequestIdentity {
  role: string;
  claims: Record<string, unknown>;
}

function jwtError(code: string, message: string): RestError {
  return new RestError(401, code, message, null, null, {
    'WWW-Authenticate': `Bearer error="invalid_token", error_description="${message.replace(/"/g, "'")}"`
  });
}

export async function identify(bearer: string | null, keys: JwtKeyInput): Promise<RequestIdentity> {
  if (bearer === null || bearer === '') return { role: 'anon', claims: {} };
  const parts = bearer.split('.').length;
  if (parts !== 3) throw jwtError('PGRST301', `Expected 3 parts in JWT; got ${parts}`);
  const result = await verifyJwt(bearer, keys);
  if (!result.ok) {
    if (result.reason === 'expired') throw jwtError('PGRST303', 'JWT expired');
    if (result.reason === 'bad_signature') throw jwtError('PGRST301', 'No suitable key or wrong key type');
    if (/claim/i.test(result.message)) throw jwtError('PGRST303', 'JWT claims validation or parsing failed');
    if (/alg/i.test(result.message)) throw jwtError('PGRST301', 'Wrong or unsupported encoding algorithm');
    throw jwtError('PGRST301', 'JWT could not be decoded');
  }
  const claims = result.claims as Record<string, unknown>;
  const role = claims.role === undefined || claims.role === null || claims.role === '' ? 'anon' : claims.role;
  if (typeof role !== 'string') throw jwtError('PGRST303', 'JWT claims validation or parsing failed');
  return { role, claims };
}

/** PostgREST can only switch to roles its connection role is a member of; others fail like PostgreSQL would. */
export function checkRole(snap: SchemaSnapshot, role: string): Record<string, string> {
  const settings = snap.roles.get(role);
  if (settings) return settings;
  if (!snap.allRoles.has(role)) throw new RestError(401, '22023', `role "${role}" does not exist`, null, null, { 'WWW-Authenticate': 'Bearer' });
  throw new RestError(403, '42501', `permission denied to set role "${role}"`);
}
