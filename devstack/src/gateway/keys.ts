// The Supabase CLI gateway's key translation: opaque sb_ keys become the legacy role JWTs, everything else is
// forwarded unchanged (supabase-api.md §1.3).
export interface KeySet {
  publishableKey: string;
  secretKey: string;
  anonKey: string;
  serviceRoleKey: string;
}

export function translateApiKey(apikey: string | null, keys: KeySet): string | null {
  if (apikey === null) return null;
  if (apikey === keys.secretKey) return keys.serviceRoleKey;
  if (apikey === keys.publishableKey) return keys.anonKey;
  return apikey;
}

/** The bearer token the services see for a request with these headers. */
export function resolveBearer(authorization: string | undefined, apikey: string | null, keys: KeySet): string | null {
  if (authorization && !/^bearer sb_/i.test(authorization)) {
    const m = /^bearer\s+(.+)$/i.exec(authorization.trim());
    return m ? m[1]!.trim() : null;
  }
  if (authorization) {
    const opaque = authorization.trim().slice(7).trim();
    return translateApiKey(opaque, keys);
  }
  return translateApiKey(apikey, keys);
}
