// Stage: the transcript sink. Final segments are numbered and written in the background (a failed write keeps them
// for the next flush); live text goes out as realtime broadcasts, dropped (never queued) when the store is slow or
// down. Nothing here can hold up or fail the call.
import type { Log } from '../../core/src/log_line.ts';
import type { CallStore, TranscriptSegment } from './call_store.ts';
import type { RelayMetrics } from './metrics.ts';

/** The caller's live words at most this often, so live text stays well inside realtime message quotas. */
export const INTERIM_EVERY_MS = 250;

export type Speaker = 'user' | 'persona';

export interface TranscriptSinkDeps {
  callId: string;
  store: Pick<CallStore, 'saveTranscript' | 'broadcastInterim'>;
  metrics: Pick<RelayMetrics, 'error'>;
  log: Log;
  elapsed: () => number;
}

export class TranscriptSink {
  private seq = 0;
  private readonly pending: TranscriptSegment[] = [];
  private lastInterimAt = -Infinity;

  private readonly d: TranscriptSinkDeps;

  constructor(d: TranscriptSinkDeps) {
    this.d = d;
  }

  /**
   * Live text for the call page. The persona's reply so far goes out each time a sentence has been sent; the
   * caller's interim words, which change with every recogniser update, at most every INTERIM_EVERY_MS.
   */
  interim(speaker: Speaker, text: string): void {
    const t = this.d.elapsed();
    if (speaker === 'user' && t - this.lastInterimAt < INTERIM_EVERY_MS) return;
    this.lastInterimAt = t;
    this.d.store.broadcastInterim(this.d.callId, { speaker, text }).catch(() => this.d.metrics.error('broadcast'));
  }

  /** A finished segment, in call time (ms since the call started). */
  final(speaker: Speaker, text: string, startMs: number, endMs: number, interrupted: boolean): void {
    this.pending.push({ callId: this.d.callId, seq: this.seq++, speaker, text, startMs: Math.round(startMs), endMs: Math.round(Math.max(startMs, endMs)), interrupted });
  }

  /** Writes the pending segments; on failure keeps them, in order, for the next flush. Never rejects. */
  async flush(): Promise<void> {
    const segments = this.pending.splice(0);
    if (segments.length === 0) return;
    await this.d.store.saveTranscript(segments).catch((err: Error) => {
      this.pending.unshift(...segments);
      this.d.log('relay.transcript.flush_failed', { level: 'error', err, pending: this.pending.length });
    });
  }
}
