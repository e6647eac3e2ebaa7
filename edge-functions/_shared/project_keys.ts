// The project's API keys as the platform hands them to functions. A project created today has only the JSON maps
// SUPABASE_PUBLISHABLE_KEYS / SUPABASE_SECRET_KEYS ({"default":"sb_…", …}); the singular SUPABASE_*_KEY names
// (self-hosting, local CLI) and the legacy JWTs SUPABASE_ANON_KEY / SUPABASE_SERVICE_ROLE_KEY (only while legacy
// keys are on) are fallbacks, so one code path serves every kind of project.

import { functionSettingsFrom } from './settings.ts';

type Get = (name: string) => string | undefined;

export interface ProjectKeys {
  /** Every publishable key by name; `default` first when present. */
  publishable: Record<string, string>;
  /** Every secret key by name. */
  secret: Record<string, string>;
  /** The legacy HS256 JWTs, only when the platform still provides them. */
  legacyAnon: string | null;
  legacyServiceRole: string | null;
}

function withSingular(map: Record<string, string> | undefined, one: string | undefined, singular: string): Record<string, string> {
  const out = { ...(map ?? {}) };
  if (one && !Object.values(out).includes(one)) out[Object.keys(out).length === 0 ? 'default' : singular] = one;
  return out;
}

/** Reads every key through the settings schemas; throws naming the variable when one is malformed. */
export function projectKeysFrom(get: Get = (n) => Deno.env.get(n)): ProjectKeys {
  const s = functionSettingsFrom(
    ['SUPABASE_PUBLISHABLE_KEYS', 'SUPABASE_PUBLISHABLE_KEY', 'SUPABASE_SECRET_KEYS', 'SUPABASE_SECRET_KEY', 'SUPABASE_ANON_KEY', 'SUPABASE_SERVICE_ROLE_KEY'],
    get
  );
  return {
    publishable: withSingular(s.SUPABASE_PUBLISHABLE_KEYS, s.SUPABASE_PUBLISHABLE_KEY, 'SUPABASE_PUBLISHABLE_KEY'),
    secret: withSingular(s.SUPABASE_SECRET_KEYS, s.SUPABASE_SECRET_KEY, 'SUPABASE_SECRET_KEY'),
    legacyAnon: s.SUPABASE_ANON_KEY ?? null,
    legacyServiceRole: s.SUPABASE_SERVICE_ROLE_KEY ?? null
  };
}

function preferred(keys: Record<string, string>): string | null {
  return keys.default ?? Object.values(keys)[0] ?? null;
}

/** The key a function sends as `apikey` when it talks to Auth/REST for a user: publishable, else legacy anon. */
export function publishableKey(keys: ProjectKeys): string | null {
  return preferred(keys.publishable) ?? keys.legacyAnon;
}

/** The key a function uses to act as service_role: secret, else legacy service-role. */
export function secretKey(keys: ProjectKeys): string | null {
  return preferred(keys.secret) ?? keys.legacyServiceRole;
}

/** publishableKey() or a boot-time error that says which settings provide it. */
export function requirePublishableKey(keys: ProjectKeys = projectKeysFrom()): string {
  const key = publishableKey(keys);
  if (!key) {
    throw new Error('Missing settings: SUPABASE_PUBLISHABLE_KEYS (or SUPABASE_PUBLISHABLE_KEY / SUPABASE_ANON_KEY). The platform sets it; locally run through devstack.');
  }
  return key;
}
