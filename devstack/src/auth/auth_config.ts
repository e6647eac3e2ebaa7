// Auth settings, read once from the environment through the settings schemas. Defaults mirror the Supabase CLI's
// GoTrue configuration (jwt_expiry 3600, refresh rotation with a 10 s reuse interval, autoconfirmed e-mail sign-ups,
// 6-character passwords).
import * as v from 'valibot';
import { defaultedSetting, int, parseSettings, type Env, type ValueOf } from '../../../core/src/settings_schema.ts';

export interface AuthConfig {
  /** Shortest password accepted on sign-up, password change and admin create/update. */
  minPasswordLength: number;
  /** Password sign-ins allowed per client IP + e-mail within `signInWindowSeconds`. */
  signInLimit: number;
  signInWindowSeconds: number;
  /** Password sign-ins allowed per client IP, whatever the e-mail, within `signInAddressWindowSeconds`. */
  signInAddressLimit: number;
  signInAddressWindowSeconds: number;
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

const positive = (name: string, fallback: number, meaning: string) =>
  defaultedSetting({ name, production: 'local', default: String(fallback), readBy: ['devstack'], meaning }, int(1, 2_147_483_647));

/** `AUTH_SIGNIN_RATE_LIMIT` is "<count>" (per 5 minutes) or "<count>/<seconds>". */
const signInRate: ValueOf<{ limit: number; windowSeconds: number }> = (name) =>
  v.pipe(
    v.string(),
    v.regex(/^(\d+)\s*(?:\/\s*(\d+))?$/, (i) => `${name} must look like "30" or "30/300" (count per seconds), got "${String(i.input)}".`),
    v.transform((s) => {
      const [count, seconds] = s.split('/').map((x) => Number(x.trim()));
      return { limit: count!, windowSeconds: seconds ?? 300 };
    }),
    v.check((r) => r.limit > 0 && r.windowSeconds > 0, `${name} must count at least one sign-in in at least one second.`)
  );

/** The Auth stand-in's policy (devstack only; a hosted project sets these in its dashboard). */
export const AUTH_SETTINGS = {
  AUTH_MIN_PASSWORD_LENGTH: positive('AUTH_MIN_PASSWORD_LENGTH', 6, 'Auth stand-in: shortest password accepted'),
  AUTH_SIGNIN_RATE_LIMIT: defaultedSetting(
    { name: 'AUTH_SIGNIN_RATE_LIMIT', production: 'local', default: '30/300', readBy: ['devstack'], meaning: 'Auth stand-in: password sign-ins per client IP and e-mail, "count" per 5 min or "count/seconds"' },
    signInRate
  ),
  AUTH_SIGNIN_ADDRESS_RATE_LIMIT: defaultedSetting(
    {
      name: 'AUTH_SIGNIN_ADDRESS_RATE_LIMIT', production: 'local', default: '300/300', readBy: ['devstack'],
      meaning: 'Auth stand-in: password sign-ins per client IP across all e-mails, "count" per 5 min or "count/seconds" (every local client is one address)'
    },
    signInRate
  ),
  AUTH_JWT_EXPIRY: positive('AUTH_JWT_EXPIRY', 3600, 'Auth stand-in: access-token lifetime in seconds'),
  AUTH_REFRESH_TOKEN_REUSE_INTERVAL: positive('AUTH_REFRESH_TOKEN_REUSE_INTERVAL', 10, 'Auth stand-in: seconds a revoked refresh token may still be exchanged'),
  AUTH_MAX_BODY_BYTES: positive('AUTH_MAX_BODY_BYTES', 1_048_576, 'Auth stand-in: largest request body'),
  AUTH_EMAIL_OTP_EXPIRY: positive('AUTH_EMAIL_OTP_EXPIRY', 86_400, 'Auth stand-in: lifetime of e-mail links and codes in seconds'),
  AUTH_EMAIL_MAX_FREQUENCY: positive('AUTH_EMAIL_MAX_FREQUENCY', 60, 'Auth stand-in: shortest gap in seconds between two mails of one kind to one user')
};

export function loadAuthConfig(env: Env): AuthConfig {
  const s = parseSettings('devstack Auth', AUTH_SETTINGS, env);
  return {
    minPasswordLength: s.AUTH_MIN_PASSWORD_LENGTH,
    signInLimit: s.AUTH_SIGNIN_RATE_LIMIT.limit,
    signInWindowSeconds: s.AUTH_SIGNIN_RATE_LIMIT.windowSeconds,
    signInAddressLimit: s.AUTH_SIGNIN_ADDRESS_RATE_LIMIT.limit,
    signInAddressWindowSeconds: s.AUTH_SIGNIN_ADDRESS_RATE_LIMIT.windowSeconds,
    jwtExpirySeconds: s.AUTH_JWT_EXPIRY,
    refreshReuseIntervalSeconds: s.AUTH_REFRESH_TOKEN_REUSE_INTERVAL,
    maxBodyBytes: s.AUTH_MAX_BODY_BYTES,
    emailOtpExpirySeconds: s.AUTH_EMAIL_OTP_EXPIRY,
    emailMaxFrequencySeconds: s.AUTH_EMAIL_MAX_FREQUENCY
  };
}

export const authConfig: AuthConfig = loadAuthConfig(process.env);
