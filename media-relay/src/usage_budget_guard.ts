// Stage: the usage and budget guard. Collects each usage report (quantities only: seconds of audio, tokens,
// characters) and hands them to the store in batches, with how long the line has been up; the database prices them
// (private.record_usage) and answers the call's running charge and its allowance's warn and cut-off points. Its check
// says when the charge reaches the warn point (the persona wraps up) and the cut-off point (goodbye and hang up). Nothing
// is priced here. The call's time limit is a turn-taking rule (turn_taking.ts), since its goodbye is a turn like any other.
import type { Log } from '../../core/src/log_line.ts';
import type { Service, UsageKind } from '../../core/src/pricing.ts';
import type { CallContext, CallStore, RunningCharge, UsageReport } from './call_store.ts';
import type { RelayMetrics } from './metrics.ts';
import type { TurnEvent } from './turn_taking.ts';

export interface UsageBudgetGuardDeps {
  call: Pick<CallContext, 'callId' | 'cutoffCents' | 'warnCents'>;
  /** Part of each usage report's idempotency key: a call's stream, should it be reconnected, counts afresh. */
  streamSid: string;
  store: Pick<CallStore, 'recordUsage'>;
  metrics: Pick<RelayMetrics, 'error'>;
  log: Log;
}

export class UsageBudgetGuard {
  private seq = 0;
  private readonly pending: UsageReport[] = [];
  private charge: RunningCharge;
  private warned = false;
  private exhausted = false;

  private readonly d: UsageBudgetGuardDeps;

  constructor(d: UsageBudgetGuardDeps) {
    this.d = d;
    this.charge = { chargeCents: 0, warnCents: d.call.warnCents, cutoffCents: d.call.cutoffCents, unpriced: 0 };
  }

  /** One usage report, kept until the next flush. */
  record(service: Service, usage: UsageKind, quantity: number, model: string): void {
    if (!(quantity > 0)) return;
    this.pending.push({
      key: `${this.d.call.callId}:${this.d.streamSid}:${++this.seq}`,
      service, usage, quantity, model, occurredAt: new Date().toISOString()
    });
  }

  /** The running charge as the database last answered it. */
  get running(): Readonly<RunningCharge> {
    return this.charge;
  }

  /**
   * The last known charge against the call's allowance: `budget_exhausted` once at the cut-off point,
   * `budget_warning` once at the warn point below it, else null. A call without a cut-off point is never stopped here.
   */
  check(nowMs: number): Extract<TurnEvent, { type: 'budget_warning' | 'budget_exhausted' }> | null {
    const { chargeCents, cutoffCents, warnCents } = this.charge;
    if (cutoffCents === null || this.exhausted) return null;
    if (chargeCents >= cutoffCents) {
      this.exhausted = true;
      return { type: 'budget_exhausted', nowMs };
    }
    if (!this.warned && warnCents !== null && chargeCents >= warnCents) {
      this.warned = true;
      return { type: 'budget_warning' };
    }
    return null;
  }

  /**
   * Hands the pending reports and the line's `lineSeconds` so far to the store and keeps the running charge it
   * answers; on failure keeps the reports for the next flush. Never rejects.
   */
  async flush(lineSeconds: number): Promise<void> {
    const reports = this.pending.splice(0);
    try {
      this.charge = await this.d.store.recordUsage(this.d.call.callId, reports, lineSeconds);
      if (this.charge.unpriced > 0) {
        this.d.metrics.error('pricing');
        this.d.log('relay.cost.unpriced', { level: 'error', unpriced: this.charge.unpriced });
      }
    } catch (err) {
      this.pending.unshift(...reports);
      this.d.log('relay.cost.flush_failed', { level: 'error', err: err as Error, pending: this.pending.length });
    }
  }
}
