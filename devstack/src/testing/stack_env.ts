// What integration tests need to reach the running devstack: the same values `stack:status -- --json` prints.
import { stackStatus } from '../stack.ts';

const s = stackStatus();

export const stack = {
  apiUrl: String(s.API_URL),
  dbUrl: String(s.DB_URL),
  anonKey: String(s.ANON_KEY),
  serviceRoleKey: String(s.SERVICE_ROLE_KEY),
  publishableKey: String(s.PUBLISHABLE_KEY),
  secretKey: String(s.SECRET_KEY),
  jwtSecret: String(s.JWT_SECRET),
  twilioApiBase: String(s.TWILIO_API_BASE),
  stripeApiBase: String(s.STRIPE_API_BASE)
};

/** A unique e-mail per call, so tests never collide on the shared database. */
export function uniqueEmail(tag: string): string {
  return `${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.test`;
}
