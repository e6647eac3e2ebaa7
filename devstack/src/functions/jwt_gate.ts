// `verify_jwt` as the CLI's functions router applies it before a request reaches the function (supabase-api.md §6).
import { verifyJwt } from '../gateway/jwt.ts';

export type GateResult = { ok: true } | { ok: false; status: 401; body: { msg: string } };

const OK: GateResult = { ok: true };

/**
 * `authorization` is the header as sent; `bearer` is the token after the gateway turned sb_ keys and a bare apikey
 * into a role JWT, which is what the CLI's router sees behind its gateway.
 */
export async function checkJwt(
  method: string,
  verify: boolean,
  authorization: string | undefined,
  bearer: string | null,
  jwtSecret: string
): Promise<GateResult> {
  if (!verify || method === 'OPTIONS') return OK;
  if (bearer === null) {
    const msg = authorization ? "Error: Auth header is not 'Bearer {token}'" : 'Error: Missing authorization header';
    return { ok: false, status: 401, body: { msg } };
  }
  const result = await verifyJwt(bearer, jwtSecret);
  return result.ok ? OK : { ok: false, status: 401, body: { msg: 'Invalid JWT' } };
}
