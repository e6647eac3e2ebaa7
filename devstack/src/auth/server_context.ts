// What every Auth handler needs: the database, signing settings, e-mail settings and the sign-in limiters.
import type pg from 'pg';
import type { JwtKeyInput } from '../gateway/jwt.ts';
import type { JwtSigner } from '../keys.ts';
import type { AuthConfig } from './auth_config.ts';
import { FlowStore } from './flow_state.ts';
import { MailOutbox } from './mail_outbox.ts';
import { RateLimiter } from '../../../core/src/rate_limiter.ts';
import type { RedirectSettings } from './redirect_urls.ts';

export interface EmailSettings extends RedirectSettings {
  /** GoTrue's MAILER_AUTOCONFIRM: sign-ups get a session at once and no mail. */
  autoconfirm: boolean;
  /** How long an e-mail link or code stays valid (GoTrue's MAILER_OTP_EXP, default 24 h). */
  otpExpirySeconds: number;
  /** Shortest gap between two mails of one kind to one user (GoTrue's SMTP max frequency, default 60 s). */
  maxFrequencySeconds: number;
}

export interface AuthServer {
  db: pg.Pool;
  /** Mints access tokens: HS256 with the secret (default profile) or ES256 with the project's key (hosted). */
  sign: JwtSigner;
  /** Verifies bearer tokens. */
  jwtKeys: JwtKeyInput;
  /** What `/.well-known/jwks.json` publishes: public keys only. */
  jwks: { keys: JsonWebKey[] };
  /** iss claim of access tokens: the public Auth URL, e.g. http://127.0.0.1:54321/auth/v1; also the base of e-mail links. */
  issuer: string;
  config: AuthConfig;
  email: EmailSettings;
  outbox: MailOutbox;
  flows: FlowStore;
  signInLimiter: RateLimiter;
  /** Password sign-ins per client address whatever the e-mail: a client trying many accounts is held back too. */
  signInAddressLimiter: RateLimiter;
  log: (line: string) => void;
}

export type AuthServerOptions = Omit<AuthServer, 'signInLimiter' | 'signInAddressLimiter' | 'flows' | 'outbox' | 'email'> & {
  email?: EmailSettings;
  outbox?: MailOutbox;
};

export const AUTOCONFIRM_EMAIL: EmailSettings = {
  autoconfirm: true,
  siteUrl: 'http://127.0.0.1:3000',
  allowList: [],
  otpExpirySeconds: 86_400,
  maxFrequencySeconds: 60
};

export function createAuthServer(opts: AuthServerOptions): AuthServer {
  return {
    ...opts,
    email: opts.email ?? AUTOCONFIRM_EMAIL,
    outbox: opts.outbox ?? new MailOutbox(),
    flows: new FlowStore(),
    signInLimiter: new RateLimiter(opts.config.signInLimit, opts.config.signInWindowSeconds),
    signInAddressLimiter: new RateLimiter(opts.config.signInAddressLimit, opts.config.signInAddressWindowSeconds)
  };
}
