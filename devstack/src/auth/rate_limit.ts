// A fixed-window counter per key (client IP + e-mail for password sign-ins). In-memory: one devstack process.

export class RateLimiter {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly hits = new Map<string, { windowStart: number; count: number }>();

  constructor(limit: number, windowSeconds: number) {
    this.limit = limit;
    this.windowMs = windowSeconds * 1000;
  }

  /** Counts one attempt; false when the key is over its limit for the current window. */
  allow(key: string, nowMs: number = Date.now()): boolean {
    const entry = this.hits.get(key);
    if (!entry || nowMs - entry.windowStart >= this.windowMs) {
      this.hits.set(key, { windowStart: nowMs, count: 1 });
      if (this.hits.size > 10_000) this.sweep(nowMs);
      return true;
    }
    entry.count += 1;
    return entry.count <= this.limit;
  }

  private sweep(nowMs: number): void {
    for (const [key, entry] of this.hits) if (nowMs - entry.windowStart >= this.windowMs) this.hits.delete(key);
  }
}
