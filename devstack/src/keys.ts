// API keys as the Supabase CLI mints them: HS256 JWTs with claims {iss, role, exp} in that member order,
// which makes them byte-identical to `supabase status` output for the same secret.
import {
  createHash,
  createHmac,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign as cryptoSign,
  type JsonWebKey as NodeJsonWebKey,
  type KeyObject
} from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DevstackConfig } from './config.ts';
import type { JwtKeyInput } from './gateway/jwt.ts';

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

// ---- The hosted profile's key material: an ES256 signing key and opaque API keys, made once per state directory.
// A project created on the platform today signs with an asymmetric key and hands out sb_ keys, so this profile
// never needs (or prints) a symmetric secret unless legacy keys are switched on.

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  /** The public half as the JWKS endpoint publishes it (never `d`). */
  publicJwk: JsonWebKey & { kid: string; alg: 'ES256' };
}

export interface OpaqueApiKeys {
  publishableKey: string;
  secretKey: string;
}

/** Writes a file only if it does not exist yet (atomically, 0600), so two processes starting at once agree. */
function createOnce(file: string, text: string): void {
  // The state directory itself must stay traversable: the database server runs as another OS user below it. Only
  // the folder holding the keys is private.
  mkdirSync(dirname(dirname(file)), { recursive: true });
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
}

function readJsonFile(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${file} is not readable JSON (${(err as Error).message}). Delete it to have devstack make a new one.`);
  }
}

export function publicJwkOf(privateJwk: JsonWebKey & { kid: string }): SigningKey['publicJwk'] {
  return { kty: 'EC', crv: 'P-256', x: privateJwk.x!, y: privateJwk.y!, kid: privateJwk.kid, alg: 'ES256', use: 'sig', key_ops: ['verify'], ext: true };
}

/** The state directory's ES256 key, generated on first use. */
export function loadSigningKey(stateDir: string): SigningKey {
  const file = join(stateDir, 'auth', 'signing_key.json');
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'ES256', use: 'sig', key_ops: ['sign', 'verify'] };
    createOnce(file, `${JSON.stringify(jwk, null, 2)}\n`);
  }
  const jwk = readJsonFile(file) as JsonWebKey & { kid?: string };
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string' || typeof jwk.kid !== 'string') {
    throw new Error(`${file} is not a P-256 private JWK with a kid. Delete it to have devstack make a new one.`);
  }
  const withKid = jwk as JsonWebKey & { kid: string };
  return { kid: withKid.kid, privateKey: createPrivateKey({ key: withKid as unknown as NodeJsonWebKey, format: 'jwk' }), publicJwk: publicJwkOf(withKid) };
}

/** `sb_<kind>_` + 22 random base64url characters + `_` + an 8-character checksum, the platform's shape. */
export function newOpaqueKey(kind: 'publishable' | 'secret'): string {
  const body = randomBytes(16).toString('base64url');
  const check = createHash('sha256').update(`sb_${kind}_${body}`).digest('base64url').slice(0, 8);
  return `sb_${kind}_${body}_${check}`;
}

export function isOpaqueKey(value: string, kind: 'publishable' | 'secret'): boolean {
  const m = new RegExp(`^sb_${kind}_([A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{8})$`).exec(value);
  return m !== null && createHash('sha256').update(`sb_${kind}_${m[1]}`).digest('base64url').slice(0, 8) === m[2];
}

/** The state directory's publishable and secret keys, generated on first use. */
export function loadOpaqueApiKeys(stateDir: string): OpaqueApiKeys {
  const file = join(stateDir, 'auth', 'api_keys.json');
  if (!existsSync(file)) {
    createOnce(file, `${JSON.stringify({ publishable: newOpaqueKey('publishable'), secret: newOpaqueKey('secret') }, null, 2)}\n`);
  }
  const keys = readJsonFile(file);
  if (typeof keys.publishable !== 'string' || typeof keys.secret !== 'string') {
    throw new Error(`${file} must hold {"publishable": "sb_publishable_…", "secret": "sb_secret_…"}. Delete it to have devstack make new keys.`);
  }
  return { publishableKey: keys.publishable, secretKey: keys.secret };
}

/** Signs claims (member order kept) with header {alg, kid, typ} as GoTrue does for asymmetric keys. */
export function signEs256(claims: Record<string, unknown>, key: SigningKey): string {
  const head = b64url(JSON.stringify({ alg: 'ES256', kid: key.kid, typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = cryptoSign('sha256', Buffer.from(`${head}.${body}`), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${head}.${body}.${sig.toString('base64url')}`;
}

export type JwtSigner = (claims: Record<string, unknown>) => string;

/** Everything a stack's services need to mint and check tokens and to recognise API keys. */
export interface ProjectKeys {
  publishableKey: string;
  secretKey: string;
  /** Legacy HS256 keys; minted in every profile (the gateway needs them to recognise a refused legacy key). */
  anonKey: string;
  serviceRoleKey: string;
  /** The HS256 secret services may verify with, or null when legacy keys are off. */
  legacySecret: string | null;
  /** Null in the default profile, which signs with the HS256 secret like `supabase start`. */
  signingKey: SigningKey | null;
  /** What `/auth/v1/.well-known/jwks.json` publishes: public keys only. */
  jwks: { keys: JsonWebKey[] };
  sign: JwtSigner;
  /** What services verify with: the HS256 secret (default), or the public keys plus the secret while legacy is on. */
  verify: JwtKeyInput;
}

export function projectKeys(cfg: Pick<DevstackConfig, 'profile' | 'legacyKeys' | 'stateDir' | 'jwtSecret' | 'publishableKey' | 'secretKey'>): ProjectKeys {
  const anonKey = legacyApiKey('anon', cfg.jwtSecret);
  const serviceRoleKey = legacyApiKey('service_role', cfg.jwtSecret);
  if (cfg.profile === 'default') {
    return {
      publishableKey: cfg.publishableKey,
      secretKey: cfg.secretKey,
      anonKey,
      serviceRoleKey,
      legacySecret: cfg.jwtSecret,
      signingKey: null,
      jwks: { keys: [] },
      sign: (claims) => signHs256(claims, cfg.jwtSecret),
      verify: cfg.jwtSecret
    };
  }
  const signingKey = loadSigningKey(cfg.stateDir);
  const opaque = loadOpaqueApiKeys(cfg.stateDir);
  return {
    ...opaque,
    anonKey,
    serviceRoleKey,
    legacySecret: cfg.legacyKeys ? cfg.jwtSecret : null,
    signingKey,
    jwks: { keys: [signingKey.publicJwk] },
    sign: (claims) => signEs256(claims, signingKey),
    verify: { hsSecret: cfg.legacyKeys ? cfg.jwtSecret : null, publicKeys: [signingKey.publicJwk] }
  };
}
