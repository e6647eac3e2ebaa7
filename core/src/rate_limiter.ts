// A fixed-window counter per key (an address, or an address and an e-mail). In memory: it limits one process, so a
// service that runs several instances gets that many times the limit.

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
    return this.record(key, nowMs) <= this.limit;
  }

  /** Whether the key has used up its window, without counting anything. */
  exhausted(key: string, nowMs: number = Date.now()): boolean {
    const entry = this.hits.get(key);
    return !!entry && nowMs - entry.windowStart < this.windowMs && entry.count >= this.limit;
  }

  /** When the key's window ends and it may try again (ms since the epoch); null when it is not over its limit. */
  resetsAt(key: string, nowMs: number = Date.now()): number | null {
    if (!this.exhausted(key, nowMs)) return null;
    return this.hits.get(key)!.windowStart + this.windowMs;
  }

  /** Counts one event (e.g. a failed sign-in) and answers the count in the current window. */
  record(key: string, nowMs: number = Date.now()): number {
    const entry = this.hits.get(key);
    if (!entry || nowMs - entry.windowStart >= this.windowMs) {
      this.hits.set(key, { windowStart: nowMs, count: 1 });
      if (this.hits.size > 10_000) this.sweep(nowMs);
      return 1;
    }
    entry.count += 1;
    return entry.count;
  }

  private sweep(nowMs: number): void {
    for (const [key, entry] of this.hits) if (nowMs - entry.windowStart >= this.windowMs) this.hits.delete(key);
  }
}
