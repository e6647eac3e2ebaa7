import { describe, expect, it } from 'vitest';
import { rateLimited, resetPhrase, retryAfterSeconds, windowResetAt } from './rate_limit_reset.ts';

const HOUR = 3600_000;
const now = new Date('2026-12-05T15:30:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

describe('windowResetAt', () => {
  it('is null below the limit, and the limit-th newest event plus the window at it', () => {
    const times = [ago(10 * 60_000), ago(50 * 60_000), ago(30 * 60_000)];
    expect(windowResetAt(times, 4, HOUR, now)).toBeNull();
    // Three in the hour, limit 3: the oldest (50 min ago) leaves in 10 minutes.
    expect(windowResetAt(times, 3, HOUR, now)?.toISOString()).toBe('2026-12-05T15:40:00.000Z');
    // Limit 2: the second newest (30 min ago) must leave, in 30 minutes.
    expect(windowResetAt(times, 2, HOUR, now)?.toISOString()).toBe('2026-12-05T16:00:00.000Z');
    // Events older than the window do not count.
    expect(windowResetAt([...times, ago(2 * HOUR)], 4, HOUR, now)).toBeNull();
  });
});

describe('resetPhrase and rateLimited', () => {
  it('names the wall-clock time in the zone and how long until then', () => {
    expect(resetPhrase(new Date('2026-12-05T15:42:00Z'), now, 'UTC')).toBe('15:42 UTC (in 12 minutes)');
    expect(resetPhrase(new Date('2026-12-05T15:42:00Z'), now, 'Europe/Madrid')).toBe('16:42 (in 12 minutes)');
    expect(resetPhrase(new Date('2026-12-05T15:30:30Z'), now, 'Nowhere/Else')).toBe('15:30 UTC (in 30 seconds)');
    expect(resetPhrase(new Date('2026-12-05T17:00:00Z'), now, 'UTC')).toBe('17:00 UTC (in 1 hour 30 minutes)');
    expect(resetPhrase(new Date('2026-12-06T15:00:00Z'), now, 'UTC')).toBe('Sunday 15:00 UTC (in 23 hours 30 minutes)');
  });

  it('builds a rate_limited error with the sentence and the reset for Retry-After', () => {
    const e = rateLimited('You have had 10 calls in the last hour.', new Date('2026-12-05T15:42:00Z'), now, 'UTC');
    expect(e).toEqual({ code: 'rate_limited', status: 429, retryAt: '2026-12-05T15:42:00.000Z',
      message: 'You have had 10 calls in the last hour. Try again at 15:42 UTC (in 12 minutes).' });
    expect(retryAfterSeconds(e.retryAt!, now)).toBe(720);
    expect(retryAfterSeconds('2026-12-05T15:00:00Z', now)).toBe(1);
  });
});
