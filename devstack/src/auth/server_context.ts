// What every Auth handler needs: the database, signing settings and the sign-in limiter.
import type pg from 'pg';
import type { AuthConfig } from './auth_config.ts';
import { RateLimiter } from './rate_limit.ts';

export interface AuthServer {
  db: pg.Pool;
  jwtSecret: string;
  /** iss claim of access tokens: the public Auth URL, e.g. http://127.0.0.1:54321/auth/v1. */
  issuer: string;
  config: AuthConfig;
  signInLimiter: RateLimiter;
  log: (line: string) => void;
}

export function createAuthServer(opts: Omit<AuthServer, 'signInLimiter'>): AuthServer {
  return { ...opts, signInLimiter: new RateLimiter(opts.config.signInLimit, opts.config.signInWindowSeconds) };
}
