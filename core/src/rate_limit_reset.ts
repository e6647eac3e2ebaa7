// When a limit counted over a sliding window ("10 calls in the last hour") lets the next attempt through, and the
// sentence and Retry-After that say so. Every rate-limit refusal names its reset time, so nobody retries blindly.
import { appError, type AppError } from './errors.ts';

/**
 * The moment a sliding-window limit frees a slot: when the `limit`-th newest counted event leaves the window. Null
 * while fewer than `limit` events are in it (the next attempt is allowed now).
 */
export function windowResetAt(times: readonly Date[], limit: number, windowMs: number, now: Date): Date | null {
  const inWindow = times.filter((t) => t.getTime() > now.getTime() - windowMs).sort((a, b) => b.getTime() - a.getTime());
  if (inWindow.length < limit) return null;
  return new Date(inWindow[limit - 1]!.getTime() + windowMs);
}

/** "15:42 (in 12 minutes)" on the wall clock of `timeZone`; a reset more than a day away also names the day. */
export function resetPhrase(at: Date, now: Date, timeZone = 'UTC'): string {
  const seconds = Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 1000));
  const zone = safeZone(timeZone);
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hour12: false }).format(at);
  const day = seconds > 20 * 3600
    ? `${new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'long' }).format(at)} `
    : '';
  const zoneName = zone === 'UTC' ? ' UTC' : '';
  let within: string;
  if (seconds < 60) within = `${seconds} second${seconds === 1 ? '' : 's'}`;
  else if (seconds < 3600) {
    const m = Math.ceil(seconds / 60);
    within = `${m} minute${m === 1 ? '' : 's'}`;
  } else {
    const h = Math.floor(seconds / 3600);
    const m = Math.ceil((seconds % 3600) / 60);
    within = `${h} hour${h === 1 ? '' : 's'}${m ? ` ${m} minute${m === 1 ? '' : 's'}` : ''}`;
  }
  return `${day}${clock}${zoneName} (in ${within})`;
}

/** A rate_limited refusal: the reason, then "Try again at 15:42 (in 12 minutes).", carrying the reset for Retry-After. */
export function rateLimited(reason: string, at: Date, now: Date, timeZone?: string): AppError {
  return { ...appError('rate_limited', `${reason} Try again at ${resetPhrase(at, now, timeZone)}.`), retryAt: at.toISOString() };
}

/** Whole seconds until `retryAt` for a Retry-After header (at least 1). */
export function retryAfterSeconds(retryAt: string, now: Date = new Date()): number {
  return Math.max(1, Math.ceil((Date.parse(retryAt) - now.getTime()) / 1000));
}

function safeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return tz;
  } catch {
    return 'UTC';
  }
}
