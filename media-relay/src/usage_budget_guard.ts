// Stage: the usage and budget guard. Collects each usage report (quantities only: seconds of audio, tokens,
// characters) and hands them to the store in batches, with how long the line has been up; the database prices them
// (private.record_usage) and answers the call's running charge and its allowance's warn and cut-off points. Its check
// says when the charge reaches the warn point (the persona wraps up), when about a minute is left before the call's
// time limit or, at the rate it is spending, its cut-off point (the persona says so), and the cut-off point (goodbye
// and hang up). Nothing is priced here. The call's time limit is a turn-taking rule (turn_taking.ts), since its goodbye is a turn like any other.
import type { Log } from '../../core/src/log_line.ts';
import type { Service, UsageKind } from '../../core/src/pricing.ts';
import type { CallContext, CallStore, RunningCharge, UsageReport } from './call_store.ts';
import type { RelayMetrics } from './metrics.ts';
import type { TurnEvent } from './turn_taking.ts';

/** The persona says the call is nearly over this long before its time limit or its projected cut-off. */
export const CLOSING_NOTICE_MS = 60_000;
/** The turn policy ends a call a few seconds before the time limit Twilio enforces (server.ts). */
const TIME_LIMIT_SLACK_MS = 5_000;
/** The spending rate is projected only from this much line time: a call's first seconds (the greeting) cost more. */
const MIN_RATE_LINE_SECONDS = 30;

export interface UsageBudgetGuardDeps {
  call: Pick<CallContext, 'callId' | 'cutoffCents' | 'warnCents'> & Partial<Pick<CallContext, 'maxDurationSeconds'>>;
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
  /** Line seconds at the last flush, with the charge answered then: the call's spending rate. */
  private lineSeconds = 0;

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
   * `budget_warning` once at the warn point below it; else `closing_soon` (at every check, turn-taking says it once)
   * when about a minute is left; else null. A call without a cut-off point is never stopped here.
   */
  check(nowMs: number): Extract<TurnEvent, { type: 'budget_warning' | 'budget_exhausted' | 'closing_soon' }> | null {
    const { chargeCents, cutoffCents, warnCents } = this.charge;
    if (this.exhausted) return null;
    if (cutoffCents !== null && chargeCents >= cutoffCents) {
      this.exhausted = true;
      return { type: 'budget_exhausted', nowMs };
    }
    if (cutoffCents !== null && !this.warned && warnCents !== null && chargeCents >= warnCents) {
      this.warned = true;
      return { type: 'budget_warning' };
    }
    return this.msLeft(nowMs) <= CLOSING_NOTICE_MS ? { type: 'closing_soon', nowMs } : null;
  }

  /** How long the call has left: to its time limit, or to its cut-off at the rate it has spent so far. */
  private msLeft(nowMs: number): number {
    const max = this.d.call.maxDurationSeconds;
    const byTime = max ? max * 1000 - TIME_LIMIT_SLACK_MS - nowMs : Infinity;
    const { chargeCents, cutoffCents } = this.charge;
    if (cutoffCents === null || chargeCents <= 0 || this.lineSeconds < MIN_RATE_LINE_SECONDS) return byTime;
    const byBudget = ((cutoffCents - chargeCents) / (chargeCents / this.lineSeconds)) * 1000;
    return Math.min(byTime, byBudget);
  }

  /**
   * Hands the pending reports and the line's `lineSeconds` so far to the store and keeps the running charge it
   * answers; on failure keeps the reports for the next flush. Never rejects.
   */
  async flush(lineSeconds: number): Promise<void> {
    const reports = this.pending.splice(0);
    try {
      this.charge = await this.d.store.recordUsage(this.d.call.callId, reports, lineSeconds);
      this.lineSeconds = lineSeconds;
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
