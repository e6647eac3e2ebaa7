// Auth settings, read once from the environment. Defaults mirror the Supabase CLI's GoTrue configuration
// (jwt_expiry 3600, refresh rotation with a 10 s reuse interval, autoconfirmed e-mail sign-ups, 6-character passwords).

export interface AuthConfig {
  /** Shortest password accepted on sign-up, password change and admin create/update. */
  minPasswordLength: number;
  /** Password sign-ins allowed per client IP + e-mail within `signInWindowSeconds`. */
  signInLimit: number;
  signInWindowSeconds: number;
  /** Access-token lifetime in seconds. */
  jwtExpirySeconds: number;
  /** How long a revoked refresh token may still be exchanged (covers clients that lost a response). */
  refreshReuseIntervalSeconds: number;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Lifetime of e-mail links and codes (GoTrue's MAILER_OTP_EXP). */
  emailOtpExpirySeconds: number;
  /** Shortest gap between two mails of one kind to one user. */
  emailMaxFrequencySeconds: number;
}

function positiveInt(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number, got "${raw}".`);
  return n;
}

/** `AUTH_SIGNIN_RATE_LIMIT` is "<count>" (per 5 minutes) or "<count>/<seconds>". */
function signInLimit(env: Record<string, string | undefined>): { limit: number; windowSeconds: number } {
  const raw = env.AUTH_SIGNIN_RATE_LIMIT;
  if (raw === undefined || raw.trim() === '') return { limit: 30, windowSeconds: 300 };
  const m = /^\s*(\d+)\s*(?:\/\s*(\d+)\s*)?$/.exec(raw);
  const limit = m ? Number(m[1]) : NaN;
  const windowSeconds = m?.[2] !== undefined ? Number(m[2]) : 300;
  if (!m || limit <= 0 || windowSeconds <= 0) {
    throw new Error(`AUTH_SIGNIN_RATE_LIMIT must look like "30" or "30/300" (count per seconds), got "${raw}".`);
  }
  return { limit, windowSeconds };
}

export function loadAuthConfig(env: Record<string, string | undefined>): AuthConfig {
  const rate = signInLimit(env);
  return {
    minPasswordLength: positiveInt(env, 'AUTH_MIN_PASSWORD_LENGTH', 6),
    signInLimit: rate.limit,
    signInWindowSeconds: rate.windowSeconds,
    jwtExpirySeconds: positiveInt(env, 'AUTH_JWT_EXPIRY', 3600),
    refreshReuseIntervalSeconds: positiveInt(env, 'AUTH_REFRESH_TOKEN_REUSE_INTERVAL', 10),
    maxBodyBytes: positiveInt(env, 'AUTH_MAX_BODY_BYTES', 1_048_576),
    emailOtpExpirySeconds: positiveInt(env, 'AUTH_EMAIL_OTP_EXPIRY', 86_400),
    emailMaxFrequencySeconds: positiveInt(env, 'AUTH_EMAIL_MAX_FREQUENCY', 60)
  };
}

export const authConfig: AuthConfig = loadAuthConfig(process.env);
