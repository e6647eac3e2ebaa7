// The environment every edge function gets, as `supabase functions serve` sets it (supabase-api.md §6):
// Supabase's own variables, then the user's secrets; SUPABASE_INTERNAL_* never reach a function.

export interface SupabaseEnvInput {
  apiUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  dbUrl: string;
  publishableKey: string;
  secretKey: string;
  jwtSecret: string;
}

/** The JWKS the CLI hands functions: the HS256 secret as a symmetric JWK (asymmetric keys would be listed too). */
export function jwksFor(jwtSecret: string): string {
  const k = Buffer.from(jwtSecret, 'utf8').toString('base64url');
  return JSON.stringify({ keys: [{ kty: 'oct', k, alg: 'HS256' }] });
}

export function supabaseEnv(input: SupabaseEnvInput): Record<string, string> {
  return {
    SUPABASE_URL: input.apiUrl,
    SUPABASE_ANON_KEY: input.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: input.serviceRoleKey,
    SUPABASE_DB_URL: input.dbUrl,
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: input.publishableKey }),
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: input.secretKey }),
    SUPABASE_JWKS: jwksFor(input.jwtSecret)
  };
}

export interface HostedEnvInput {
  apiUrl: string;
  dbUrl: string;
  publishableKey: string;
  secretKey: string;
  /** Public keys only: a hosted project never hands functions a symmetric key. */
  jwks: { keys: JsonWebKey[] };
  /** The legacy anon / service_role keys, only while legacy keys are on. */
  legacy: { anonKey: string; serviceRoleKey: string } | null;
}

/** What a function sees on the hosted platform (production.md §1, "Function environment"). */
export function hostedSupabaseEnv(input: HostedEnvInput): Record<string, string> {
  const keys = input.jwks.keys.filter((k) => k.kty !== 'oct' && !('d' in k));
  return {
    SUPABASE_URL: input.apiUrl,
    SUPABASE_DB_URL: input.dbUrl,
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: input.publishableKey }),
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: input.secretKey }),
    SUPABASE_JWKS: JSON.stringify({ keys }),
    ...(input.legacy ? { SUPABASE_ANON_KEY: input.legacy.anonKey, SUPABASE_SERVICE_ROLE_KEY: input.legacy.serviceRoleKey } : {})
  };
}

export interface FunctionEnvResult {
  env: Record<string, string>;
  /** Secrets that were dropped, and why. */
  skipped: string[];
}

/**
 * Secrets first, Supabase's variables last so a secrets file cannot point functions at another project; the
 * runtime variables (`runtime`) are devstack's own and win over both.
 */
export function functionEnv(
  supabase: Record<string, string>,
  secrets: Record<string, string>,
  runtime: Record<string, string>,
  /** The platform refuses every SUPABASE_ secret (`supabase secrets set`); the CLI only those it sets itself. */
  reserveSupabasePrefix = false
): FunctionEnvResult {
  const env: Record<string, string> = {};
  const skipped: string[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    if (name.startsWith('SUPABASE_INTERNAL_')) skipped.push(`${name}: SUPABASE_INTERNAL_* variables are reserved`);
    else if (reserveSupabasePrefix && name.startsWith('SUPABASE_') && !(name in supabase)) {
      skipped.push(`${name}: SUPABASE_* names are reserved on the hosted platform`);
    }
    else if (name in supabase) skipped.push(`${name}: set by the functions runtime`);
    else env[name] = value;
  }
  return { env: { ...env, ...supabase, ...runtime }, skipped };
}
