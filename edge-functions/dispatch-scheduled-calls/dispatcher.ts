// The scheduled-call dispatcher: claim what is due (plus what falls due before the next tick), create each recurring
// booking's next occurrence in the same transaction, then ring every claimed occurrence at its planned second through
// placeCall, the same code as "call now", so every check (number, persona, budget, credits, rate limits) applies at
// fire time. At most one call per occurrence is enforced by the database (calls.scheduled_call_id is unique and a
// claimed row is never claimed again), not by this code.
import { isTooLateToRing, nextOccurrence, type Recurrence } from '../../core/src/schedule.ts';
import type { PaymentMethod, PlaceCallRequest, PlaceCallResult } from '../_shared/place_call.ts';
import { functionSettingsFrom } from '../_shared/settings.ts';

export interface Occurrence {
  id: string;
  user_id: string;
  persona_id: string;
  scenario_template_id: string | null;
  phone_number_id: string | null;
  custom_instructions: string | null;
  max_duration_seconds: number | null;
  /** How the booking is paid; null uses the SCHEDULED_CALLS_PAYMENT_METHOD setting. */
  payment_method?: PaymentMethod | null;
  scheduled_time: Date;
  timezone: string;
  local_time: string;
  recurrence: Recurrence;
  status: 'claimed' | 'missed';
  failure_reason: string | null;
  dial_at: Date | null;
}

export interface ClaimOptions {
  limit: number;
  callsPerSecond: number;
  /** The claim's "now"; null uses the database clock (the product's single source of time). */
  now: Date | null;
  lookaheadSeconds: number;
  missedAfterSeconds: number;
  horizonSeconds: number;
  /** Restricts the claim to these users (support tooling and tests on a shared database); all users when absent. */
  onlyUserIds?: readonly string[];
}

export interface ScheduleStore {
  /** Claims due occurrences and, in the same transaction, inserts each recurring one's next occurrence. */
  claim(opts: ClaimOptions, nextAt: (o: Occurrence) => Date | null): Promise<{ occurrences: Occurrence[]; nextCreated: number }>;
  markDispatched(id: string, callId: string): Promise<void>;
  /** Marks a claimed occurrence failed with the reason, linking the call it produced if any. */
  markFailed(id: string, reason: string): Promise<void>;
  markMissed(id: string, reason: string): Promise<void>;
  /** The call an occurrence produced, if any, and whether it reached the carrier. */
  callFor(id: string): Promise<{ id: string; dialed: boolean } | null>;
}

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** What the claim treats as now: null for the database's clock; a test clock pins its own time. */
  claimTime(): Date | null;
}

export interface DispatchConfig {
  callsPerSecond: number;
  batchSize: number;
  lookaheadSeconds: number;
  missedAfterSeconds: number;
  horizonSeconds: number;
  paymentMethod: PaymentMethod;
  onlyUserIds?: readonly string[];
}

export const DEFAULT_DISPATCH_CONFIG: DispatchConfig = {
  callsPerSecond: 1, // Twilio's default outbound rate per account
  batchSize: 100,
  lookaheadSeconds: 60, // pg_cron ticks every minute
  missedAfterSeconds: 600,
  horizonSeconds: 90,
  paymentMethod: 'credits'
};

export interface DispatchDeps {
  store: ScheduleStore;
  placeCall: (req: PlaceCallRequest) => Promise<PlaceCallResult>;
  clock: Clock;
  config: DispatchConfig;
  log?: (line: string) => void;
}

export interface ClaimReport {
  claimed: number;
  missed: number;
  next_created: number;
}

export interface DialReport {
  dispatched: number;
  failed: number;
  missed: number;
  /** Per dialled occurrence: actual dial time minus scheduled time, in ms. */
  lateness_ms: number[];
}

const MAX_BATCHES = 20;
const INTERNAL_FAILURE = 'Something went wrong on our side while placing this call. Nothing was charged.';

export const realClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  claimTime: () => null
};

/** The next occurrence after `o` in the user's time zone, never in the past; null for one-off bookings. */
export function nextAfter(o: Pick<Occurrence, 'scheduled_time' | 'local_time' | 'timezone' | 'recurrence'>, now: Date): Date | null {
  return nextOccurrence(o.scheduled_time, o.local_time, o.timezone, o.recurrence, now);
}

export function placeRequestFor(o: Occurrence, paymentMethod: PaymentMethod): PlaceCallRequest {
  return {
    userId: o.user_id,
    personaId: o.persona_id,
    mode: 'phone',
    phoneNumberId: o.phone_number_id,
    scenarioTemplateId: o.scenario_template_id,
    customInstructions: o.custom_instructions,
    maxDurationMinutes: o.max_duration_seconds === null ? null : Math.max(1, Math.round(o.max_duration_seconds / 60)),
    paymentMethod: o.payment_method ?? paymentMethod,
    scheduledCallId: o.id
  };
}

/**
 * Claims everything this run should ring and starts ringing it. Resolves with what was claimed once the claim has
 * committed; `dials` settles when every claimed occurrence has been dialled or refused.
 */
export async function dispatchDueCalls(deps: DispatchDeps): Promise<{ claim: ClaimReport; dials: Promise<DialReport> }> {
  const { store, clock, config } = deps;
  const log = deps.log ?? (() => undefined);
  const claim: ClaimReport = { claimed: 0, missed: 0, next_created: 0 };
  const dials: DialReport = { dispatched: 0, failed: 0, missed: 0, lateness_ms: [] };
  const tasks: Promise<void>[] = [];

  const nextAt = (o: Occurrence): Date | null => {
    try {
      return nextAfter(o, clock.now());
    } catch (err) {
      log(`dispatch: cannot compute the next occurrence of ${o.id}: ${(err as Error).message}`);
      return null;
    }
  };

  const ring = async (o: Occurrence): Promise<void> => {
    const wait = (o.dial_at ?? o.scheduled_time).getTime() - clock.now().getTime();
    if (wait > 0) await clock.sleep(wait);
    const dialTime = clock.now();
    // The run itself may have been held up (a paused worker): the same lateness rule as the claim applies.
    if (isTooLateToRing(o.scheduled_time, dialTime, config.missedAfterSeconds)) {
      await store.markMissed(o.id, 'Our scheduler reached this call too late to ring you on time, so it was skipped. Nothing was charged.');
      dials.missed++;
      return;
    }
    let result: PlaceCallResult;
    try {
      dials.lateness_ms.push(dialTime.getTime() - o.scheduled_time.getTime());
      result = await deps.placeCall(placeRequestFor(o, config.paymentMethod));
    } catch (err) {
      log(`dispatch: placing scheduled call ${o.id} failed: ${(err as Error).message}`);
      const call = await store.callFor(o.id);
      if (call?.dialed) {
        await store.markDispatched(o.id, call.id);
        dials.dispatched++;
      } else {
        await store.markFailed(o.id, INTERNAL_FAILURE);
        dials.failed++;
      }
      return;
    }
    if (result.ok) {
      await store.markDispatched(o.id, result.call.call_id);
      dials.dispatched++;
      return;
    }
    // Placed by another run after all (the unique key refused this one): that call stands.
    const existing = result.error.code === 'conflict' ? await store.callFor(o.id) : null;
    if (existing?.dialed) {
      await store.markDispatched(o.id, existing.id);
      dials.dispatched++;
      return;
    }
    await store.markFailed(o.id, result.error.message.slice(0, 500));
    dials.failed++;
  };

  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const r = await store.claim(
      {
        limit: config.batchSize, callsPerSecond: config.callsPerSecond, now: clock.claimTime(), lookaheadSeconds: config.lookaheadSeconds,
        missedAfterSeconds: config.missedAfterSeconds, horizonSeconds: config.horizonSeconds, onlyUserIds: config.onlyUserIds
      },
      nextAt
    );
    claim.next_created += r.nextCreated;
    for (const o of r.occurrences) {
      if (o.status === 'missed') {
        claim.missed++;
        continue;
      }
      claim.claimed++;
      tasks.push(ring(o).catch((err) => log(`dispatch: recording the outcome of ${o.id} failed: ${(err as Error).message}`)));
    }
    if (r.occurrences.length < config.batchSize) break;
  }
  return { claim, dials: Promise.all(tasks).then(() => dials) };
}

/** Reads the dispatcher's settings (names as function secrets) through their schemas; unset means the default. */
export function dispatchConfigFrom(get: (name: string) => string | undefined): DispatchConfig {
  const s = functionSettingsFrom(['DISPATCH_CALLS_PER_SECOND', 'DISPATCH_BATCH_SIZE', 'DISPATCH_MISSED_AFTER_SECONDS', 'SCHEDULED_CALLS_PAYMENT_METHOD'], get);
  return {
    callsPerSecond: s.DISPATCH_CALLS_PER_SECOND,
    batchSize: s.DISPATCH_BATCH_SIZE,
    lookaheadSeconds: DEFAULT_DISPATCH_CONFIG.lookaheadSeconds,
    missedAfterSeconds: s.DISPATCH_MISSED_AFTER_SECONDS,
    horizonSeconds: DEFAULT_DISPATCH_CONFIG.horizonSeconds,
    paymentMethod: s.SCHEDULED_CALLS_PAYMENT_METHOD
  };
}
