// Stage: the usage and budget guard. Prices each usage report into a cost event (written in the background, never
// failing the call) and keeps the call's running charge; the phone line counts too, priced as Twilio bills it. Its
// check says when the charge reaches the warn point (the persona wraps up) and the cap (goodbye and hang up). The
// call's time limit is a turn-taking rule (turn_taking.ts), since its goodbye is a turn like any other.
import type { Log } from '../../core/src/log_line.ts';
import { sumUsd, usdToCentsUp, usdToDecimal, type Usd } from '../../core/src/money.ts';
import { priceUsage, type Service, type ServiceRate, type UsageKind } from '../../core/src/pricing.ts';
import type { CallContext, CallStore, CostEvent } from './call_store.ts';
import type { RelayMetrics } from './metrics.ts';
import type { TurnEvent } from './turn_taking.ts';

/** The charge is compared with the budget at most this often. */
export const BUDGET_CHECK_EVERY_MS = 250;

export interface UsageBudgetGuardDeps {
  call: Pick<CallContext, 'callId' | 'budgetCents' | 'warnPercent'>;
  /** Part of each cost event's idempotency key: a call's stream, should it be reconnected, counts afresh. */
  streamSid: string;
  /** A Twilio stream bills Twilio minutes; the relay's own softphone stream has no line. */
  onPhoneLine: boolean;
  rates: readonly ServiceRate[];
  store: Pick<CallStore, 'saveCostEvents'>;
  metrics: Pick<RelayMetrics, 'error'>;
  log: Log;
}

export class UsageBudgetGuard {
  private seq = 0;
  private readonly pending: CostEvent[] = [];
  private spentUsd: Usd = 0n;
  private warned = false;
  private exhausted = false;
  private lastCheckMs = 0;

  private readonly d: UsageBudgetGuardDeps;

  constructor(d: UsageBudgetGuardDeps) {
    this.d = d;
  }

  /** One usage report, priced now. Usage without a rate is logged and left out (and off the budget). */
  record(service: Service, usage: UsageKind, quantity: number, model: string): void {
    if (quantity <= 0) return;
    let priced;
    try {
      priced = priceUsage(this.d.rates, { service, usage, quantity });
    } catch (err) {
      this.d.metrics.error('pricing');
      this.d.log('relay.cost.unpriced', { level: 'error', service, usage, err: err as Error });
      return;
    }
    this.spentUsd += priced.chargeUsd;
    this.pending.push({
      idempotencyKey: `${this.d.call.callId}:${this.d.streamSid}:${++this.seq}`,
      callId: this.d.call.callId,
      service,
      usage,
      quantity,
      billedQuantity: priced.billedQuantity,
      costUsd: usdToDecimal(priced.costUsd),
      chargeUsd: usdToDecimal(priced.chargeUsd),
      model,
      occurredAt: new Date().toISOString()
    });
  }

  /** The phone line's usage for a call that lasted `seconds` (none on the softphone). */
  recordLine(seconds: number): void {
    if (!this.d.onPhoneLine) return;
    this.record('twilio', 'call_seconds', seconds, 'voice');
    this.record('twilio', 'media_stream_seconds', seconds, 'media-streams');
  }

  /** Telephone time so far, priced like the final Twilio bill (whole minutes). */
  private lineChargeUsd(nowMs: number): Usd {
    if (!this.d.onPhoneLine) return 0n;
    const seconds = nowMs / 1000;
    const parts: Usd[] = [];
    for (const usage of ['call_seconds', 'media_stream_seconds'] as const) {
      try {
        parts.push(priceUsage(this.d.rates, { service: 'twilio', usage, quantity: seconds }).chargeUsd);
      } catch {
        // No Twilio rate configured: the line is not counted against the budget.
      }
    }
    return sumUsd(parts);
  }

  /**
   * The charge at `nowMs` (ms since the call started) against the call's budget: `budget_exhausted` once at the cap,
   * `budget_warning` once at the warn point below it, else null. A call without a per-call cap is never stopped here.
   */
  check(nowMs: number): Extract<TurnEvent, { type: 'budget_warning' | 'budget_exhausted' }> | null {
    const cap = this.d.call.budgetCents;
    if (cap === null || this.exhausted) return null;
    if (nowMs - this.lastCheckMs < BUDGET_CHECK_EVERY_MS) return null;
    this.lastCheckMs = nowMs;
    const spentCents = usdToCentsUp(this.spentUsd + this.lineChargeUsd(nowMs));
    if (spentCents >= cap) {
      this.exhausted = true;
      return { type: 'budget_exhausted', nowMs };
    }
    if (!this.warned && spentCents * 100 >= cap * this.d.call.warnPercent) {
      this.warned = true;
      return { type: 'budget_warning' };
    }
    return null;
  }

  /** Writes the pending cost events; on failure keeps them for the next flush. Never rejects. */
  async flush(): Promise<void> {
    const events = this.pending.splice(0);
    if (events.length === 0) return;
    await this.d.store.saveCostEvents(events).catch((err: Error) => {
      this.pending.unshift(...events);
      this.d.log('relay.cost.flush_failed', { level: 'error', err, pending: this.pending.length });
    });
  }
}
