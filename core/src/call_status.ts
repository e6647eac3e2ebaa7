// Call lifecycle. The names and ranks mirror the `calls.status` check constraint and `private.call_status_rank`
// in the database, so the application and the database trigger agree on what "forward" means.
//
// Status callbacks arrive late, twice or out of order, so a status only ever moves forward and a terminal status
// is final: a late `ringing` after `in_progress`, or a `failed` after `completed`, changes nothing.

export const CALL_STATUSES = [
  'created', // row written, nothing dialled yet (payment reserved)
  'queued', // accepted by Twilio, waiting for a calls-per-second slot
  'initiated', // Twilio started dialling
  'ringing',
  'in_progress', // answered; media is flowing
  'completed',
  'busy',
  'no_answer',
  'failed',
  'canceled',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const TERMINAL_CALL_STATUSES = ['completed', 'busy', 'no_answer', 'failed', 'canceled'] as const;
export type TerminalCallStatus = (typeof TERMINAL_CALL_STATUSES)[number];

export const ACTIVE_CALL_STATUSES = ['created', 'queued', 'initiated', 'ringing', 'in_progress'] as const;
export type ActiveCallStatus = (typeof ACTIVE_CALL_STATUSES)[number];

/** Every terminal status shares the top rank: once ended, no other ending can replace it. */
const RANK: Readonly<Record<CallStatus, number>> = {
  created: 0,
  queued: 1,
  initiated: 2,
  ringing: 3,
  in_progress: 4,
  completed: 5,
  busy: 5,
  no_answer: 5,
  failed: 5,
  canceled: 5,
};

export function isCallStatus(value: unknown): value is CallStatus {
  return typeof value === 'string' && (CALL_STATUSES as readonly string[]).includes(value);
}

export function isTerminalCallStatus(status: CallStatus): status is TerminalCallStatus {
  return (TERMINAL_CALL_STATUSES as readonly string[]).includes(status);
}

export function callStatusRank(status: CallStatus): number {
  return RANK[status];
}

/**
 * True when a call in `from` may move to `to`: `from` has not ended and `to` is strictly later. Staying in the
 * same status is not a transition. Skipping states is allowed (a call can fail while queued, or be answered
 * without a `ringing` callback ever arriving).
 */
export function canTransition(from: CallStatus, to: CallStatus): boolean {
  return !isTerminalCallStatus(from) && RANK[to] > RANK[from];
}

/** The status to store after an update reports `incoming`: terminal states absorb, backward moves are ignored. */
export function nextStatus(current: CallStatus, incoming: CallStatus): CallStatus {
  return canTransition(current, incoming) ? incoming : current;
}

/** `CallStatus` values Twilio sends in status callbacks and returns from the Calls API. */
export const TWILIO_CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
] as const;
export type TwilioCallStatus = (typeof TWILIO_CALL_STATUSES)[number];

const FROM_TWILIO: Readonly<Record<TwilioCallStatus, CallStatus>> = {
  queued: 'queued',
  initiated: 'initiated',
  ringing: 'ringing',
  'in-progress': 'in_progress',
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'no_answer',
  failed: 'failed',
  canceled: 'canceled',
};

/** Our status for a Twilio `CallStatus`, or null for a value Twilio does not document (ignore that callback). */
export function callStatusFromTwilio(twilioStatus: string): CallStatus | null {
  return Object.hasOwn(FROM_TWILIO, twilioStatus) ? FROM_TWILIO[twilioStatus as TwilioCallStatus] : null;
}

/** Why a call ended; mirrors the `calls.end_reason` check constraint. */
export const CALL_END_REASONS = [
  'user_hung_up',
  'persona_hung_up',
  'budget_exhausted',
  'time_limit',
  'silence_timeout',
  'no_answer',
  'busy',
  'canceled',
  'payment_failed',
  'provider_error',
  'relay_error',
  'missed',
  'failed',
] as const;
export type CallEndReason = (typeof CALL_END_REASONS)[number];

export function isCallEndReason(value: unknown): value is CallEndReason {
  return typeof value === 'string' && (CALL_END_REASONS as readonly string[]).includes(value);
}

// Scheduled occurrences have their own lifecycle: `missed` means the dispatcher ran too late to ring (better no
// call than a wake-up call at 3 a.m.); it is never a status of a call, because no call was placed.
export const SCHEDULED_CALL_STATUSES = ['pending', 'claimed', 'dispatched', 'completed', 'missed', 'failed', 'canceled'] as const;
export type ScheduledCallStatus = (typeof SCHEDULED_CALL_STATUSES)[number];

export const TERMINAL_SCHEDULED_CALL_STATUSES = ['completed', 'missed', 'failed', 'canceled'] as const;
export type TerminalScheduledCallStatus = (typeof TERMINAL_SCHEDULED_CALL_STATUSES)[number];

export function isScheduledCallStatus(value: unknown): value is ScheduledCallStatus {
  return typeof value === 'string' && (SCHEDULED_CALL_STATUSES as readonly string[]).includes(value);
}

export function isTerminalScheduledCallStatus(status: ScheduledCallStatus): status is TerminalScheduledCallStatus {
  return (TERMINAL_SCHEDULED_CALL_STATUSES as readonly string[]).includes(status);
}

/** A user may cancel an occurrence only before the dispatcher has claimed it. */
export function canCancelScheduledCall(status: ScheduledCallStatus): boolean {
  return status === 'pending';
}
