// Call lifecycle. The lists come from the database's enum types (public.call_status, public.call_end_reason,
// public.scheduled_call_status) through the generated `Constants`; the ranks mirror `private.call_status_rank`, so
// the application and the database trigger agree on what "forward" means.
//
// Status callbacks arrive late, twice or out of order, so a status only ever moves forward and a terminal status
// is final: a late `ringing` after `in_progress`, or a `failed` after `completed`, changes nothing.

import { Constants } from './database.types.ts';

// created: row written, nothing dialled yet (payment reserved); queued: accepted by Twilio, waiting for a
// calls-per-second slot; initiated: Twilio started dialling; in_progress: answered, media is flowing.
export const CALL_STATUSES = Constants.public.Enums.call_status;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** Mirrors `private.call_status_is_terminal` (the enum from `completed` on); a test compares the two. */
export const TERMINAL_CALL_STATUSES = ['completed', 'busy', 'no_answer', 'failed', 'canceled'] as const satisfies readonly CallStatus[];
export type TerminalCallStatus = (typeof TERMINAL_CALL_STATUSES)[number];

export const ACTIVE_CALL_STATUSES = ['created', 'queued', 'initiated', 'ringing', 'in_progress'] as const satisfies readonly CallStatus[];
export type ActiveCallStatus = (typeof ACTIVE_CALL_STATUSES)[number];

/** Ranks follow the enum order and every terminal status shares the top rank (as `private.call_status_rank`):
 * once ended, no other ending can replace it. */
const TOP_RANK = CALL_STATUSES.indexOf('completed');

export function isCallStatus(value: unknown): value is CallStatus {
  return typeof value === 'string' && (CALL_STATUSES as readonly string[]).includes(value);
}

export function isTerminalCallStatus(status: CallStatus): status is TerminalCallStatus {
  return (TERMINAL_CALL_STATUSES as readonly string[]).includes(status);
}

export function callStatusRank(status: CallStatus): number {
  return Math.min(CALL_STATUSES.indexOf(status), TOP_RANK);
}

/**
 * True when a call in `from` may move to `to`: `from` has not ended and `to` is strictly later. Staying in the
 * same status is not a transition. Skipping states is allowed (a call can fail while queued, or be answered
 * without a `ringing` callback ever arriving).
 */
export function canTransition(from: CallStatus, to: CallStatus): boolean {
  return !isTerminalCallStatus(from) && callStatusRank(to) > callStatusRank(from);
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

/** Why a call ended (public.call_end_reason). */
export const CALL_END_REASONS = Constants.public.Enums.call_end_reason;
export type CallEndReason = (typeof CALL_END_REASONS)[number];

export function isCallEndReason(value: unknown): value is CallEndReason {
  return typeof value === 'string' && (CALL_END_REASONS as readonly string[]).includes(value);
}

// Scheduled occurrences have their own lifecycle: `missed` means the dispatcher ran too late to ring (better no
// call than a wake-up call at 3 a.m.); it is never a status of a call, because no call was placed.
export const SCHEDULED_CALL_STATUSES = Constants.public.Enums.scheduled_call_status;
export type ScheduledCallStatus = (typeof SCHEDULED_CALL_STATUSES)[number];

export const TERMINAL_SCHEDULED_CALL_STATUSES = ['completed', 'missed', 'failed', 'canceled'] as const satisfies readonly ScheduledCallStatus[];
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
