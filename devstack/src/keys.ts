// API keys as the Supabase CLI mints them: HS256 JWTs with claims {iss, role, exp} in that member order,
// which makes them byte-identical to `supabase status` output for the same secret.
import { createHmac } from 'node:crypto';

const LEGACY_KEY_EXP = 1983812996;

function b64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

/** Signs claims exactly as given (member order kept), header {alg, typ}. */
export function signHs256(claims: Record<string, unknown>, secret: string): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

export function legacyApiKey(role: 'anon' | 'service_role', secret: string): string {
  return signHs256({ iss: 'supabase-demo', role, exp: LEGACY_KEY_EXP }, secret);
}
