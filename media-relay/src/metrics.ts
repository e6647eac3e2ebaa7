// What the relay measures, one instance per relay server (never module-level state, so tests and benchmarks can run
// several servers in one process): Prometheus metrics through prom-client on a registry of its own, served at
// /metrics, plus the same counts as plain numbers for /metrics.json, tests and benchmarks.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ProviderInfo } from './provider_contracts.ts';

export type Vendor = ProviderInfo['service'];
export type FrameDirection = 'inbound' | 'outbound';

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function bump(bucket: Record<string, number>, key: string): void {
  bucket[key] = (bucket[key] ?? 0) + 1;
}

export class RelayMetrics {
  readonly registry = new Registry();
  readonly callsEnded: Record<string, number> = {};
  readonly rejected: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  readonly vendorErrors: Record<string, number> = {};
  readonly framesDropped: Record<string, number> = {};
  private active = 0;
  private admitted = 0;
  private malformed = 0;
  private barges = 0;
  private late = 0;
  private preemptiveCounts = { adopted: 0, discarded: 0, wastedTokens: 0 };
  private acks = 0;
  /** Most recent turn latencies (end of the caller's turn -> first audio frame out), ms. */
  private readonly latencies: number[] = [];

  private readonly prom;

  /** `processMetrics`: also CPU, memory, GC and event-loop lag of this process (only one server per process should). */
  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const active = () => this.active;
    this.prom = {
      // Read at scrape time from the one count the server keeps.
      activeCalls: new Gauge({ name: 'relay_active_calls', help: 'Calls this relay is carrying now.', registers, collect(this: Gauge) { this.set(active()); } }),
      draining: new Gauge({ name: 'relay_draining', help: '1 while the relay drains (refuses new streams, finishes live calls).', registers }),
      callsAdmitted: new Counter({ name: 'relay_calls_admitted_total', help: 'Streams admitted as calls.', registers }),
      callsEnded: new Counter({ name: 'relay_calls_ended_total', help: 'Calls ended, by end reason.', labelNames: ['reason'] as const, registers }),
      rejected: new Counter({ name: 'relay_streams_rejected_total', help: 'Streams refused before or at admission, by reason.', labelNames: ['reason'] as const, registers }),
      errors: new Counter({ name: 'relay_errors_total', help: 'Errors on the call path, by kind (stt, llm, tts, socket, line_stalled, pricing, broadcast).', labelNames: ['kind'] as const, registers }),
      vendorErrors: new Counter({ name: 'relay_vendor_errors_total', help: 'Failed requests or streams to a vendor, by vendor (a failed-over LLM turn counts for the vendor that failed).', labelNames: ['vendor'] as const, registers }),
      framesDropped: new Counter({ name: 'relay_frames_dropped_total', help: 'Audio frames dropped: outbound when the line is stalled or closed, inbound when malformed or before the call was admitted.', labelNames: ['direction', 'reason'] as const, registers }),
      framesLate: new Counter({ name: 'relay_inbound_frames_late_total', help: 'Caller frames that reached the relay more than 250 ms behind their place in the stream (network or relay overload).', registers }),
      bargeIns: new Counter({ name: 'relay_barge_ins_total', help: 'Times the caller interrupted the persona.', registers }),
      preemptive: new Counter({ name: 'relay_preemptive_replies_total', help: 'Replies started before the caller\'s turn ended, by outcome (adopted, discarded).', labelNames: ['outcome'] as const, registers }),
      wastedTokens: new Counter({ name: 'relay_preemptive_wasted_tokens_total', help: 'LLM tokens (prompt and completion) spent on discarded preemptive replies.', registers }),
      acknowledgements: new Counter({ name: 'relay_acknowledgements_total', help: 'Short acknowledgements played because an answer\'s first sentence was late.', registers }),
      turnLatency: new Histogram({
        name: 'relay_turn_latency_seconds',
        help: 'End of the caller\'s turn to the first frame of the persona\'s answer leaving the relay.',
        buckets: [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
        registers
      })
    };
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'relay_' });
  }

  get activeCalls(): number {
    return this.active;
  }
  get callsAdmitted(): number {
    return this.admitted;
  }
  get malformedFrames(): number {
    return this.malformed;
  }
  get bargeIns(): number {
    return this.barges;
  }
  get lateFrames(): number {
    return this.late;
  }

  callAdmitted(): void {
    this.admitted++;
    this.active++;
    this.prom.callsAdmitted.inc();
  }

  callEnded(reason: string): void {
    this.active--;
    bump(this.callsEnded, reason);
    this.prom.callsEnded.inc({ reason });
  }

  streamRejected(reason: string): void {
    bump(this.rejected, reason);
    this.prom.rejected.inc({ reason });
  }

  error(kind: string): void {
    bump(this.errors, kind);
    this.prom.errors.inc({ kind });
  }

  vendorError(vendor: Vendor): void {
    bump(this.vendorErrors, vendor);
    this.prom.vendorErrors.inc({ vendor });
  }

  frameDropped(direction: FrameDirection, reason: string): void {
    bump(this.framesDropped, `${direction}/${reason}`);
    this.prom.framesDropped.inc({ direction, reason });
  }

  malformedFrame(): void {
    this.malformed++;
    this.frameDropped('inbound', 'malformed');
  }

  frameLate(): void {
    this.late++;
    this.prom.framesLate.inc();
  }

  bargeIn(): void {
    this.barges++;
    this.prom.bargeIns.inc();
  }

  /** A preemptive reply was adopted by its turn, or discarded (with the tokens it cost). */
  preemptive(outcome: 'adopted' | 'discarded', wastedTokens: number): void {
    this.preemptiveCounts[outcome]++;
    this.preemptiveCounts.wastedTokens += wastedTokens;
    this.prom.preemptive.inc({ outcome });
    if (wastedTokens > 0) this.prom.wastedTokens.inc(wastedTokens);
  }

  get preemptiveReplies(): { adopted: number; discarded: number; wastedTokens: number } {
    return { ...this.preemptiveCounts };
  }

  acknowledged(): void {
    this.acks++;
    this.prom.acknowledgements.inc();
  }

  get acknowledgements(): number {
    return this.acks;
  }

  setDraining(on: boolean): void {
    this.prom.draining.set(on ? 1 : 0);
  }

  recordTurnLatency(ms: number): void {
    this.prom.turnLatency.observe(ms / 1000);
    this.latencies.push(ms);
    if (this.latencies.length > 1000) this.latencies.shift();
  }

  /** The recorded turn latencies, oldest first. */
  turnLatencies(): number[] {
    return [...this.latencies];
  }

  /** Prometheus' text exposition format. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  snapshot(): Record<string, unknown> {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      active_calls: this.active,
      calls_admitted: this.admitted,
      calls_ended: { ...this.callsEnded },
      rejected: { ...this.rejected },
      errors: { ...this.errors },
      vendor_errors: { ...this.vendorErrors },
      frames_dropped: { ...this.framesDropped },
      inbound_frames_late: this.late,
      malformed_frames: this.malformed,
      barge_ins: this.barges,
      preemptive_replies: { adopted: this.preemptiveCounts.adopted, discarded: this.preemptiveCounts.discarded, wasted_tokens: this.preemptiveCounts.wastedTokens },
      acknowledgements: this.acks,
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
