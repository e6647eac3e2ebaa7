import { randomBytes } from 'node:crypto';

/** A Twilio-shaped SID: two-letter prefix and 32 hex characters. */
export function sid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}
