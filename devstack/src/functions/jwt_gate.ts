// `verify_jwt` as the CLI's functions router applies it before a request reaches the function (supabase-api.md §6).
import { verifyJwt, type JwtKeyInput } from '../gateway/jwt.ts';

export type GateResult = { ok: true } | { ok: false; status: 401; body: { msg: string } };

const OK: GateResult = { ok: true };

/**
 * `authorization` is the header as sent; `bearer` is the token after the gateway turned sb_ keys and a bare apikey
 * into a role JWT, which is what the CLI's router sees behind its gateway. In the hosted profile the gateway does
 * not translate for functions, so `Bearer sb_…` reaches this check as it is and fails as "Invalid JWT" (the
 * migration guide's reading), and an apikey alone is a missing header.
 */
export async function checkJwt(
  method: string,
  verify: boolean,
  authorization: string | undefined,
  bearer: string | null,
  keys: JwtKeyInput
): Promise<GateResult> {
  if (!verify || method === 'OPTIONS') return OK;
  if (bearer === null) {
    const msg = authorization ? "Error: Auth header is not 'Bearer {token}'" : 'Error: Missing authorization header';
    return { ok: false, status: 401, body: { msg } };
  }
  const result = await verifyJwt(bearer, keys);
  return result.ok ? OK : { ok: false, status: 401, body: { msg: 'Invalid JWT' } };
}
