// Twilio status callbacks: signature first (nothing is read or written for an unsigned request), then the callback
// is stored once (durable), applied to its call (forward only) and a finished call settled. Twilio gets its answer
// when that is done or after ACK_WITHIN_MS, whichever comes first; slow work finishes in the background (SC-07). A
// card-paid call is settled at Stripe too: its hold is captured for the actual cost, or cancelled if it never connected.
import { settleFinishedCall, type CardPaymentsService } from '../_shared/card_payments.ts';
import { callStatusFromTwilio, isTerminalCallStatus } from '../../core/src/call_status.ts';
import type { Log } from '../../core/src/log_line.ts';
import { logCallId } from '../_shared/logger.ts';
import type { Queryable } from '../_shared/queryable.ts';
import { fail, json } from '../_shared/responses.ts';
import { checkTwilioSignature, param, signedUrl } from '../_shared/twilio_signature.ts';
import { CALL_SID, countParam, invalidCallback, nulParam } from '../_shared/twilio_params.ts';

export interface StatusDeps {
  db: Queryable;
  publicApiUrl: string;
  authTokens: string[];
  cards?: Pick<CardPaymentsService, 'settleCardCall'>;
  log?: Log;
  /** How long applying may take before Twilio gets its answer and the work goes on in the background. */
  ackWithinMs?: number;
  /** Keeps background work alive after the response (EdgeRuntime.waitUntil on Supabase). */
  background?: (work: Promise<unknown>) => void;
}

// Twilio waits 15 s for an answer; a stored callback is answered well inside that whatever the database is doing.
export const ACK_WITHIN_MS = 800;

interface Processed {
  outcome: string;
  call_id: string | null;
  status: string | null;
  settlement: string | null;
}

export async function handleTwilioStatus(req: Request, deps: StatusDeps): Promise<Response> {
  if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'Twilio posts status callbacks.');
  const check = await checkTwilioSignature(req, signedUrl(deps.publicApiUrl, req, '/functions/v1'), deps.authTokens);
  if (!check.ok) return fail(check.status, check.code, check.message);

  const callSid = param(check.params, 'CallSid') ?? '';
  const status = param(check.params, 'CallStatus') ?? '';
  const sequence = countParam(check.params, 'SequenceNumber');
  const duration = countParam(check.params, 'CallDuration');
  // Signed but not a call-progress callback we understand: refused with the field, logged, nothing stored.
  const invalid = !CALL_SID.test(callSid) ? invalidCallback('CallSid', 'is not a Twilio call SID (CA + 32 hex digits)')
    : callStatusFromTwilio(status) === null ? invalidCallback('CallStatus', 'is not a Twilio call status')
    : sequence === null ? invalidCallback('SequenceNumber', 'is not a whole number from 0 to 2147483647')
    : duration === null ? invalidCallback('CallDuration', 'is not a whole number of seconds from 0 to 2147483647')
    : nulParam(check.params) !== null ? invalidCallback(nulParam(check.params)!, 'holds a NUL character')
    : null;
  if (invalid) {
    deps.log?.(`twilio-status: refused signed callback with CallSid=${callSid.slice(0, 40)} CallStatus=${status.slice(0, 40)}`);
    return invalid;
  }
  const flat: Record<string, string> = {};
  for (const k of Object.keys(check.params)) flat[k] = param(check.params, k) ?? '';
  // Durable first: once this insert commits, nothing Twilio sent can be lost.
  const stored = await deps.db.query<{ id: string | null }>(
    'select private.store_twilio_status($1, $2, $3, $4, $5, $6) as id',
    [callSid, status, sequence ?? 0, duration ?? null, param(check.params, 'AnsweredBy') ?? null, flat]
  );
  const eventId = stored.rows[0]?.id ?? null;

  const work = applyAndSettle(deps, eventId, callSid, status);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), deps.ackWithinMs ?? ACK_WITHIN_MS); });
  const done = await Promise.race([work, late]);
  clearTimeout(timer);
  if (done) return json(200, done);
  deps.log?.(`twilio-status: ${callSid} ${status} stored; applying it is slow, so it finishes after the answer`);
  deps.background?.(work.catch((err) => deps.log?.(`twilio-status: applying ${callSid} ${status} failed, left for the reconciler: ${(err as Error).message}`)));
  return json(200, { outcome: eventId === null ? 'duplicate' : 'stored', call_id: null, status: null, settlement: null });
}

async function applyAndSettle(deps: StatusDeps, eventId: string | null, callSid: string, status: string): Promise<Processed> {
  const r = await deps.db.query<{ outcome: string; call_id: string | null; call_status: string | null }>(
    'select * from private.apply_stored_twilio_status($1, $2)', [eventId, callSid]);
  const row = r.rows[0]!;
  if (row.call_id) logCallId(row.call_id);
  let settlement: string | null = null;
  // A repeated final callback settles again: settlement is idempotent, and a first attempt that failed (Stripe
  // unreachable during capture, say) gets another chance.
  if (row.call_id && isTerminalCallStatus(callStatusFromTwilio(status)!)) {
    try {
      settlement = await settleFinishedCall(deps.db, deps.cards, row.call_id);
    } catch (err) {
      // The callback itself is stored and applied; the reconciler settles the card later. Twilio needs no retry.
      deps.log?.(`twilio-status: settlement of call ${row.call_id} failed, left for the reconciler: ${(err as Error).message}`, { level: 'error', call_id: row.call_id });
      settlement = 'card_capture_pending';
    }
  }
  return { outcome: row.outcome, call_id: row.call_id, status: row.call_status, settlement };
}
