// The reconciler, run every minute by pg_cron: Twilio does not retry a status callback that failed, so a call can
// stay "ringing" or "in progress" in our database after it ended. Calls open well past the longest they could last
// are looked up at Twilio (GET /Calls/{sid}) and finished through the same SQL as a status callback; ended calls
// whose media usage never arrived are settled after the grace period; browser calls whose microphone never
// connected are cancelled and released after their connect deadline; and scheduled calls a stopped dispatcher left
// behind are tidied up.
import type { Log } from '../../core/src/log_line.ts';
import { settleFinishedCall, type CardPaymentsService } from '../_shared/card_payments.ts';
import { DEFAULT_CALL_LIMITS } from '../_shared/place_call.ts';
import type { Queryable } from '../_shared/queryable.ts';
import { functionSettingsFrom } from '../_shared/settings.ts';
import { TwilioApiError, type TwilioCall, type TwilioClient } from '../_shared/twilio_client.ts';

export interface ReconcileConfig {
  /** Slack after ring timeout + max duration before an open call counts as stuck. */
  marginSeconds: number;
  ringTimeoutSeconds: number;
  /** How long settlement waits for the relay's media usage after a call ended. */
  graceSeconds: number;
  limit: number;
  /** A stored status callback still unapplied after this long is applied by the reconciler. */
  storedEventAgeSeconds: number;
}

export const DEFAULT_RECONCILE_CONFIG: ReconcileConfig = {
  marginSeconds: 180,
  ringTimeoutSeconds: DEFAULT_CALL_LIMITS.ringTimeoutSeconds,
  graceSeconds: 120,
  limit: 50,
  storedEventAgeSeconds: 30
};

export interface ReconcileDeps {
  db: Queryable;
  twilio: Pick<TwilioClient, 'fetchCall' | 'hangUp'>;
  cards?: Pick<CardPaymentsService, 'settleCardCall'>;
  config: ReconcileConfig;
  /** Pins "now" for the SQL (tests); null uses the database clock. */
  now?: () => Date | null;
  log?: Log;
}

export interface ReconcileReport {
  /** Calls moved on by status callbacks that were stored but never applied. */
  applied: number;
  finished: number;
  /** Browser calls cancelled because their microphone never connected in time. */
  unconnected: number;
  hung_up: number;
  unreachable: number;
  settled: Record<string, number>;
  scheduled: Record<string, number>;
}

interface Candidate {
  call_id: string;
  kind: 'stuck' | 'unsettled';
  mode: 'phone' | 'browser';
  status: string;
  twilio_call_sid: string | null;
  last_callback_sequence: number | null;
  answered_at: Date | null;
  [k: string]: unknown;
}

const OPEN = `('created', 'queued', 'initiated', 'ringing', 'in_progress')`;
const TWILIO_TERMINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

export async function reconcileCalls(deps: ReconcileDeps): Promise<ReconcileReport> {
  const { db, config } = deps;
  const log = deps.log ?? (() => undefined);
  const now = deps.now?.() ?? null;
  const report: ReconcileReport = { applied: 0, finished: 0, unconnected: 0, hung_up: 0, unreachable: 0, settled: {}, scheduled: {} };
  const toSettle = new Set<string>();

  // Callbacks Twilio was told were received (stored, answered early) but whose application never finished.
  const stored = await db.query<{ call_id: string }>(`select call_id from private.apply_stored_twilio_events(make_interval(secs => $1))`,
    [config.storedEventAgeSeconds]);
  for (const r of stored.rows) toSettle.add(r.call_id);
  report.applied = stored.rows.length;

  // Browser calls whose microphone never connected by their deadline (the page was left): cancelled and released.
  const unconnected = await db.query<{ id: string }>('select id from private.cancel_unconnected_browser_calls($1, $2) as id', [now, config.limit]);
  for (const r of unconnected.rows) toSettle.add(r.id);
  report.unconnected = unconnected.rows.length;

  const candidates = (await db.query<Candidate>(
    `select * from private.calls_to_reconcile($1, make_interval(secs => $2), $3, make_interval(secs => $4), $5)`,
    [now, config.marginSeconds, config.ringTimeoutSeconds, config.graceSeconds, config.limit]
  )).rows;

  for (const c of candidates) {
    if (c.kind === 'unsettled') {
      toSettle.add(c.call_id);
      continue;
    }
    try {
      const outcome = await finishStuckCall(deps, c);
      if (outcome === 'finished') {
        report.finished++;
        toSettle.add(c.call_id);
      } else if (outcome === 'hung_up') {
        report.hung_up++;
      }
    } catch (err) {
      report.unreachable++;
      log(`reconcile: call ${c.call_id} (${c.twilio_call_sid ?? 'no CallSid'}) left for the next run: ${(err as Error).message}`, { level: 'warn', call_id: c.call_id });
    }
  }

  for (const id of toSettle) {
    try {
      const s = await settleFinishedCall(db, deps.cards, id, config.graceSeconds);
      report.settled[s] = (report.settled[s] ?? 0) + 1;
    } catch (err) {
      log(`reconcile: settling call ${id} failed, retried next run: ${(err as Error).message}`, { level: 'error', call_id: id });
    }
  }

  const scheduled = await db.query<{ outcome: string; occurrences: number }>('select * from private.reconcile_scheduled_calls($1)', [now]);
  for (const r of scheduled.rows) report.scheduled[r.outcome] = r.occurrences;
  return report;
}

/** Ends one stuck call from what Twilio knows about it. */
async function finishStuckCall(deps: ReconcileDeps, c: Candidate): Promise<'finished' | 'hung_up' | 'waiting'> {
  const { db } = deps;
  if (c.mode === 'browser' && !c.twilio_call_sid) {
    // No carrier to ask: the relay owns softphone calls and stopped reporting. Connected ones ended when it went away.
    // A browser call Twilio carries (Voice SDK) has a CallSid and is asked about like a phone call.
    const r = await db.query(
      `update public.calls
          set status = case when answered_at is not null then 'completed' else 'failed' end,
              end_reason = 'relay_error', error_message = 'The call stopped reporting and was closed.',
              duration_seconds = case when answered_at is not null
                then least(max_duration_seconds, extract(epoch from now() - answered_at)::int) end
        where id = $1 and status in ${OPEN}`, [c.call_id]);
    return r.rowCount ? 'finished' : 'waiting';
  }
  if (!c.twilio_call_sid) return failUndialled(db, c.call_id, 'The call never reached the phone network.');

  let call: TwilioCall;
  try {
    call = await deps.twilio.fetchCall(c.twilio_call_sid);
  } catch (err) {
    if (err instanceof TwilioApiError && err.status === 404) {
      return failUndialled(db, c.call_id, 'The phone network has no record of this call.');
    }
    throw err;
  }
  if (!TWILIO_TERMINAL.has(call.status)) {
    // Past its time limit and still up at Twilio: end it; the next run (or the final callback) finishes it here.
    await deps.twilio.hangUp(c.twilio_call_sid);
    return 'hung_up';
  }
  // Applied as callbacks would have been: a completed call was answered first, so the answer is recorded before
  // the end (settlement charges only connected calls). Sequence numbers continue after the last callback seen.
  let seq = (c.last_callback_sequence ?? -1) + 1;
  const params = (status: string): Record<string, string> => ({
    CallSid: c.twilio_call_sid!, CallStatus: status, CallbackSource: 'reconciler',
    ...(call.duration !== null && call.duration !== undefined ? { CallDuration: String(call.duration) } : {}),
    ...(call.answered_by ? { AnsweredBy: call.answered_by } : {})
  });
  const record = (status: string, duration: number | null) =>
    db.query('select * from private.record_twilio_status($1, $2, $3, $4, $5, $6)',
      [c.twilio_call_sid, status, seq++, duration, call.answered_by ?? null, params(status)]);
  if (call.status === 'completed' && !c.answered_at) await record('in-progress', null);
  const duration = call.duration === null || call.duration === undefined ? null : Number(call.duration);
  await record(call.status, Number.isFinite(duration) ? duration : null);
  return 'finished';
}

async function failUndialled(db: Queryable, callId: string, message: string): Promise<'finished' | 'waiting'> {
  const r = await db.query(
    `update public.calls set status = 'failed', end_reason = 'provider_error', error_message = $2
      where id = $1 and status in ${OPEN}`, [callId, message]);
  return r.rowCount ? 'finished' : 'waiting';
}

export function reconcileConfigFrom(get: (name: string) => string | undefined): ReconcileConfig {
  const s = functionSettingsFrom(['RECONCILE_MARGIN_SECONDS', 'SETTLEMENT_GRACE_SECONDS'], get);
  return {
    marginSeconds: s.RECONCILE_MARGIN_SECONDS,
    ringTimeoutSeconds: DEFAULT_RECONCILE_CONFIG.ringTimeoutSeconds,
    graceSeconds: s.SETTLEMENT_GRACE_SECONDS,
    limit: DEFAULT_RECONCILE_CONFIG.limit,
    storedEventAgeSeconds: DEFAULT_RECONCILE_CONFIG.storedEventAgeSeconds
  };
}
