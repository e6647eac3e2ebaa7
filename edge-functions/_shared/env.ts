// Each function reads its settings once at boot and refuses to start naming every missing one.
export function requireEnv<K extends string>(names: readonly K[], get: (name: string) => string | undefined = (n) => Deno.env.get(n)): Record<K, string> {
  const missing = names.filter((n) => !get(n));
  if (missing.length > 0) throw new Error(`Missing settings: ${missing.join(', ')}. Set them as function secrets.`);
  return Object.fromEntries(names.map((n) => [n, get(n)!])) as Record<K, string>;
}

export const TWILIO_ENV = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_VERIFY_SERVICE_SID'] as const;

/** Production hosts unless a base URL is configured (devstack points these at its stand-in). */
export function twilioBases(get: (name: string) => string | undefined = (n) => Deno.env.get(n)) {
  return {
    apiBase: get('TWILIO_API_BASE') ?? 'https://api.twilio.com',
    verifyBase: get('TWILIO_VERIFY_API_BASE') ?? get('TWILIO_API_BASE') ?? 'https://verify.twilio.com'
  };
}

/** Countries we call, from PHONE_ALLOWED_COUNTRIES ("US,GB,..."), or the product default. */
export function allowedCountries(get: (name: string) => string | undefined = (n) => Deno.env.get(n)) {
  const raw = get('PHONE_ALLOWED_COUNTRIES');
  return raw ? (raw.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean) as never[]) : undefined;
}
