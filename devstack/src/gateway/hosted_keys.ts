// The hosted platform's API gateway rules for keys (production.md §1): sb_ keys go in `apikey`; the publishable key
// acts as anon (or as the user whose JWT rides along), the secret key as service_role but never from a browser; a
// `Bearer sb_…` passes only when it repeats the apikey; legacy HS256 keys only while they are switched on. Like the
// platform, the gateway hands the services a short-lived role JWT signed with the project's key instead of the sb_
// key, so services only ever verify JWTs.
import { decodeProtectedHeader } from 'jose';
import { verifyJwt } from './jwt.ts';

export type GatewayRoute = 'auth' | 'rest' | 'realtime' | 'functions' | 'mail';

export interface HostedKeyRules {
  publishableKey: string;
  secretKey: string;
  /** The legacy HS256 secret while legacy keys are on, else null. */
  legacySecret: string | null;
  /** A role JWT for the services, signed with the project's asymmetric key. */
  roleToken: (role: 'anon' | 'service_role', route: GatewayRoute) => string;
}

export interface AdmissionInput {
  route: GatewayRoute;
  method: string;
  /** Path after the service prefix. */
  path: string;
  authorization: string | undefined;
  apikey: string | null;
  userAgent: string | undefined;
}

export type Admission =
  | { ok: true; bearer: string | null }
  | { ok: false; status: 401; body: { message: string; hint: string } };

export const REFUSALS = {
  noKey: { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' },
  invalidKey: {
    message: 'Invalid API key',
    hint: 'Double check your Supabase `anon` or `service_role` API key, or use the project\'s `sb_publishable_…` / `sb_secret_…` key.'
  },
  secretInBrowser: {
    message: 'Forbidden use of secret API key in browser',
    hint: 'Secret API keys can only be used from a server. Use the publishable key (sb_publishable_…) in browsers.'
  },
  legacyDisabled: {
    message: 'Legacy API keys are disabled',
    hint: 'The legacy anon and service_role keys are switched off for this project. Use the publishable or secret key, or start devstack with DEVSTACK_LEGACY_KEYS=true.'
  },
  bearerMismatch: {
    message: 'Invalid API key',
    hint: 'An `Authorization: Bearer sb_…` header must carry the same key as the `apikey` header; send user JWTs as Bearer instead.'
  }
} as const;

// Routes a user reaches from an e-mail or another site, without any key (the platform's open Auth routes).
const OPEN_AUTH = new Set(['/verify', '/callback', '/authorize', '/.well-known/jwks.json', '/health']);

/** A User-Agent that only browsers send: every browser's starts with Mozilla/. */
export function looksLikeBrowser(userAgent: string | undefined): boolean {
  return userAgent !== undefined && /^Mozilla\/\d/.test(userAgent);
}

function bearerOf(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const m = /^bearer\s+(.+)$/i.exec(authorization.trim());
  return m ? m[1]!.trim() : null;
}

function refuse(body: { message: string; hint: string }): Admission {
  return { ok: false, status: 401, body: { ...body } };
}

export async function admitHosted(input: AdmissionInput, rules: HostedKeyRules): Promise<Admission> {
  const presented = bearerOf(input.authorization);
  // Functions authorise on their own (verify_jwt or code); webhooks reach them without any key.
  if (input.route === 'functions' || input.route === 'mail') return { ok: true, bearer: presented };
  const path = input.path.length > 1 ? input.path.replace(/\/+$/, '') : input.path;
  if (input.route === 'auth' && OPEN_AUTH.has(path) && input.apikey === null) return { ok: true, bearer: presented };

  const apikey = input.apikey;
  if (apikey === null || apikey === '') return refuse(REFUSALS.noKey);

  let role: 'anon' | 'service_role';
  if (apikey === rules.secretKey) {
    if (looksLikeBrowser(input.userAgent)) return refuse(REFUSALS.secretInBrowser);
    role = 'service_role';
  } else if (apikey === rules.publishableKey) {
    role = 'anon';
  } else if (apikey.split('.').length === 3) {
    return admitLegacy(apikey, presented, rules);
  } else {
    return refuse(REFUSALS.invalidKey);
  }

  if (presented === null || presented === apikey) return { ok: true, bearer: rules.roleToken(role, input.route) };
  if (presented.startsWith('sb_')) return refuse(REFUSALS.bearerMismatch);
  // A user JWT: the services verify it and take its role.
  return { ok: true, bearer: presented };
}

function isHs256(token: string): boolean {
  try {
    return decodeProtectedHeader(token).alg === 'HS256';
  } catch {
    return false;
  }
}

async function admitLegacy(apikey: string, presented: string | null, rules: HostedKeyRules): Promise<Admission> {
  if (rules.legacySecret === null) {
    // Without the secret a legacy key is recognised by its shape: an HS256 JWT.
    return refuse(isHs256(apikey) ? REFUSALS.legacyDisabled : REFUSALS.invalidKey);
  }
  const checked = await verifyJwt(apikey, rules.legacySecret);
  const role = checked.ok ? checked.claims.role : undefined;
  if (role !== 'anon' && role !== 'service_role') return refuse(REFUSALS.invalidKey);
  if (presented !== null && presented.startsWith('sb_')) return refuse(REFUSALS.bearerMismatch);
  return { ok: true, bearer: presented ?? apikey };
}

/** Role tokens are cached and re-minted well before they expire; Realtime's live as long as an apikey socket may. */
export function roleTokenMinter(
  sign: (claims: Record<string, unknown>) => string,
  now: () => number = () => Math.floor(Date.now() / 1000)
): (role: 'anon' | 'service_role', route: GatewayRoute) => string {
  const cache = new Map<string, { token: string; renewAt: number }>();
  return (role, route) => {
    const lifetime = route === 'realtime' ? 86_400 : 600;
    const key = `${role}|${lifetime}`;
    const t = now();
    const hit = cache.get(key);
    if (hit && hit.renewAt > t) return hit.token;
    const token = sign({ iss: 'supabase', role, iat: t, exp: t + lifetime });
    cache.set(key, { token, renewAt: t + Math.floor(lifetime / 2) });
    return token;
  };
}
