// Functions only the platform may call (pg_cron through pg_net). They run with verify_jwt off and decide here, so
// the answer does not depend on how the gateway treats sb_ keys. A caller is the service when it presents:
//   (a) a secret key (sb_secret_…) in `apikey`, or as Bearer: some clients send the key in both headers;
//   (b) a JWT with role service_role signed by one of the project's asymmetric signing keys (SUPABASE_JWKS);
//   (c) the legacy service-role JWT, only by exact match, and only while the platform still provides it.
// A symmetric key is never taken from the JWKS: a published JWKS holds public keys only, so an "oct" entry there is
// either a mistake or an attacker's, and trusting it would let anyone mint a service_role token.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { projectKeysFrom, type ProjectKeys } from './project_keys.ts';
import { fail } from './responses.ts';
import { functionSettingsFrom } from './settings.ts';

/** null when the caller is the service; otherwise the response to send. */
export type ServiceCallerCheck = (req: Request) => Promise<Response | null>;

const ASYMMETRIC_ALGS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA', 'Ed25519'];

export function bearerToken(req: Request): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get('authorization') ?? '');
  return m ? m[1]! : null;
}

export interface ServiceCallerKeys extends ProjectKeys {
  /** SUPABASE_JWKS, as the platform sets it: {"keys":[…public keys…]}. */
  jwks: string | null;
}

/** The keys from the function's environment. */
export function serviceCallerKeysFrom(get: (name: string) => string | undefined = (n) => Deno.env.get(n)): ServiceCallerKeys {
  return { ...projectKeysFrom(get), jwks: functionSettingsFrom(['SUPABASE_JWKS'], get).SUPABASE_JWKS ?? null };
}

function asymmetricKeySet(jwks: string | null): JWTVerifyGetKey | null {
  if (!jwks) return null;
  let set: JSONWebKeySet;
  try {
    set = JSON.parse(jwks) as JSONWebKeySet;
  } catch {
    throw new Error('SUPABASE_JWKS is not JSON: it must be {"keys":[…]} with the project\'s public signing keys.');
  }
  const keys = (Array.isArray(set?.keys) ? set.keys : []).filter((k) => k.kty === 'EC' || k.kty === 'RSA' || k.kty === 'OKP');
  return keys.length > 0 ? createLocalJWKSet({ keys }) : null;
}

/** Equality whose time does not depend on where the strings differ, nor on the length of the secret. */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [x, y] = await Promise.all([
    crypto.subtle.digest('SHA-256', enc.encode(a)),
    crypto.subtle.digest('SHA-256', enc.encode(b))
  ]);
  const p = new Uint8Array(x);
  const q = new Uint8Array(y);
  let diff = 0;
  for (let i = 0; i < p.length; i++) diff |= p[i]! ^ q[i]!;
  return diff === 0;
}

async function matchesAny(value: string, candidates: readonly string[]): Promise<boolean> {
  // Every candidate is compared, so the time does not say which key (if any) matched.
  const results = await Promise.all(candidates.map((c) => sameSecret(value, c)));
  return results.some(Boolean);
}

type Verdict = 'service' | 'low_privilege' | 'unknown';

export function serviceCallerCheck(keys: ServiceCallerKeys): ServiceCallerCheck {
  const secrets = Object.values(keys.secret);
  const publishable = [...Object.values(keys.publishable), ...(keys.legacyAnon ? [keys.legacyAnon] : [])];
  const keySet = asymmetricKeySet(keys.jwks);

  async function judgeApiKey(key: string): Promise<Verdict> {
    if (secrets.length > 0 && (await matchesAny(key, secrets))) return 'service';
    if (keys.legacyServiceRole && (await sameSecret(key, keys.legacyServiceRole))) return 'service';
    if (publishable.length > 0 && (await matchesAny(key, publishable))) return 'low_privilege';
    return 'unknown';
  }

  async function judgeJwt(token: string): Promise<Verdict> {
    if (keys.legacyServiceRole && (await sameSecret(token, keys.legacyServiceRole))) return 'service';
    if (publishable.length > 0 && (await matchesAny(token, publishable))) return 'low_privilege';
    if (!keySet) return 'unknown';
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return 'unknown';
    }
    if (!alg || !ASYMMETRIC_ALGS.includes(alg)) return 'unknown';
    const verified = await jwtVerify(token, keySet, { algorithms: ASYMMETRIC_ALGS }).catch(() => null);
    if (!verified) return 'unknown';
    return verified.payload.role === 'service_role' ? 'service' : 'low_privilege';
  }

  return async (req) => {
    const apikey = req.headers.get('apikey')?.trim() || null;
    const bearer = bearerToken(req);
    const verdicts: Verdict[] = [];
    if (apikey) verdicts.push(await judgeApiKey(apikey));
    // A Bearer sb_… is an API key, not a malformed JWT; the gateway passes it on only when it equals `apikey`.
    if (bearer && bearer.startsWith('sb_')) {
      if (apikey && bearer !== apikey) {
        return fail(401, 'unauthenticated', 'The apikey header and the Bearer key differ: send the secret key in apikey only.');
      }
      if (!apikey) verdicts.push(await judgeApiKey(bearer));
    } else if (bearer) {
      verdicts.push(await judgeJwt(bearer));
    }
    if (verdicts.includes('service')) return null;
    if (verdicts.length === 0) {
      return fail(401, 'unauthenticated', 'This endpoint needs the project\'s secret key (sb_secret_…) in the apikey header.');
    }
    if (verdicts.includes('low_privilege')) {
      return fail(403, 'forbidden', 'Only the service may call this endpoint: send a secret key (sb_secret_…), not a publishable key or a user\'s token.');
    }
    return fail(401, 'unauthenticated', 'The key is not one of this project\'s secret keys: check the cron_key secret in Vault.');
  };
}
