// Password sign-in for the login form. Every sign-in reaches Auth from this server's address, so Auth's own limits
// per address cannot tell one visitor from another; this server counts failed attempts per client address itself,
// across all e-mails, and refuses further sign-ins from an address that has used up its window (password spraying:
// one password tried on many accounts). In memory: each web server instance counts on its own.
import type { SupabaseClient } from '@supabase/supabase-js';
import { RateLimiter } from '../../../core/src/rate_limiter.ts';
import { resetPhrase } from '../../../core/src/rate_limit_reset.ts';
import { authErrorMessage } from './auth_errors.ts';

export const SIGN_IN_WINDOW_SECONDS = 15 * 60;

export type SignInOutcome = { ok: true } | { ok: false; status: number; code: string; message: string; retryAfterSeconds?: number };

export class SignInGuard {
  private readonly failures: RateLimiter;

  constructor(failuresPerAddress: number) {
    this.failures = new RateLimiter(failuresPerAddress, SIGN_IN_WINDOW_SECONDS);
  }

  async signIn(supabase: SupabaseClient, address: string, email: string, password: string): Promise<SignInOutcome> {
    if (!email || !password) return { ok: false, status: 400, code: 'validation_failed', message: authErrorMessage('validation_failed') };
    const resetsAt = this.failures.resetsAt(address);
    if (resetsAt !== null) {
      // The visitor's time zone is unknown here: the wait is said in UTC and in minutes.
      const now = new Date();
      return {
        ok: false, status: 429, code: 'over_request_rate_limit', retryAfterSeconds: Math.max(1, Math.ceil((resetsAt - now.getTime()) / 1000)),
        message: `Too many failed sign-ins from your network. Try again at ${resetPhrase(new Date(resetsAt), now, 'UTC')}.`
      };
    }
    const { error } = await supabase.auth.signInWithPassword({ email, password });
    if (!error) return { ok: true };
    if (error.code === 'invalid_credentials') this.failures.record(address);
    return { ok: false, status: error.status ?? 400, code: error.code ?? 'unknown', message: authErrorMessage(error.code, error.message) };
  }
}
