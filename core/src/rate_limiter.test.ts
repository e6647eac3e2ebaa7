import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate_limiter.ts';

describe('rate limiter', () => {
  it('allows the limit per window and per key, then refuses until the window passes', () => {
    const limiter = new RateLimiter(3, 60);
    const t = 1_000_000;
    expect([1, 2, 3].map(() => limiter.allow('ip|a', t))).toEqual([true, true, true]);
    expect(limiter.allow('ip|a', t + 1000)).toBe(false);
    expect(limiter.allow('ip|b', t + 1000)).toBe(true);
    expect(limiter.allow('ip|a', t + 60_000)).toBe(true);
  });
  it('reports a used-up key without counting, until its window passes', () => {
    const limiter = new RateLimiter(2, 60);
    const t = 1_000_000;
    expect(limiter.exhausted('ip', t)).toBe(false);
    limiter.record('ip', t);
    expect(limiter.exhausted('ip', t)).toBe(false);
    limiter.record('ip', t + 10);
    expect([limiter.exhausted('ip', t + 20), limiter.exhausted('ip', t + 20)]).toEqual([true, true]);
    expect(limiter.exhausted('ip', t + 60_000)).toBe(false);
  });
});
