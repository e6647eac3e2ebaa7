// Stage: each answer's latencies (turn_runner.ts measures them), written in the background with the transcript.
// A failed write keeps the rows for the next flush; nothing here can hold up or fail the call.
import type { Log } from '../../core/src/log_line.ts';
import type { CallStore, TurnLatency } from './call_store.ts';

export class TurnLatencySink {
  private readonly pending: TurnLatency[] = [];
  private readonly callId: string;
  private readonly store: Pick<CallStore, 'saveTurnLatencies'>;
  private readonly log: Log;

  constructor(callId: string, store: Pick<CallStore, 'saveTurnLatencies'>, log: Log) {
    this.callId = callId;
    this.store = store;
    this.log = log;
  }

  add(row: Omit<TurnLatency, 'callId'>): void {
    this.pending.push({ callId: this.callId, ...row });
  }

  /** Never rejects. */
  async flush(): Promise<void> {
    const rows = this.pending.splice(0);
    if (rows.length === 0) return;
    try {
      await this.store.saveTurnLatencies(rows);
    } catch (err) {
      this.pending.unshift(...rows);
      this.log('relay.turn_latency.flush_failed', { level: 'warn', err: err as Error, pending: this.pending.length });
    }
  }
}
