import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate_limit.ts';

describe('sign-in rate limiter', () => {
  it('allows the limit per window and per key, then refuses until the window passes', () => {
    const limiter = new RateLimiter(3, 60);
    const t = 1_000_000;
    expect([1, 2, 3].map(() => limiter.allow('ip|a', t))).toEqual([true, true, true]);
    expect(limiter.allow('ip|a', t + 1000)).toBe(false);
    expect(limiter.allow('ip|b', t + 1000)).toBe(true);
    expect(limiter.allow('ip|a', t + 60_000)).toBe(true);
  });
});
