// Counters and turn latencies for /metrics, one instance per relay server (never module-level state).

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export class RelayMetrics {
  activeCalls = 0;
  callsAdmitted = 0;
  readonly callsEnded: Record<string, number> = {};
  readonly rejected: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  malformedFrames = 0;
  bargeIns = 0;
  /** Most recent turn latencies (end of the caller's turn -> first audio frame out), ms. */
  private readonly latencies: number[] = [];

  count(bucket: Record<string, number>, key: string): void {
    bucket[key] = (bucket[key] ?? 0) + 1;
  }

  recordTurnLatency(ms: number): void {
    this.latencies.push(ms);
    if (this.latencies.length > 1000) this.latencies.shift();
  }

  /** The recorded turn latencies, oldest first. */
  turnLatencies(): number[] {
    return [...this.latencies];
  }

  snapshot(): Record<string, unknown> {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      active_calls: this.activeCalls,
      calls_admitted: this.callsAdmitted,
      calls_ended: { ...this.callsEnded },
      rejected: { ...this.rejected },
      errors: { ...this.errors },
      malformed_frames: this.malformedFrames,
      barge_ins: this.bargeIns,
      turn_latency_ms: {
        count: sorted.length,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? null
      }
    };
  }
}
