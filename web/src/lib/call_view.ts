// How a call's status reads on the live page and in the history: labels, the timeline and why it ended.
import { isTerminalCallStatus, isCallStatus, type CallStatus } from '../../../core/src/call_status.ts';

export const STATUS_LABELS: Record<CallStatus, string> = {
  created: 'Placing the call',
  queued: 'Queued',
  initiated: 'Dialling',
  ringing: 'Ringing',
  in_progress: 'Connected',
  completed: 'Completed',
  busy: 'Line busy',
  no_answer: 'No answer',
  failed: 'Failed',
  canceled: 'Cancelled'
};

export function statusLabel(status: string): string {
  return isCallStatus(status) ? STATUS_LABELS[status] : status;
}

export function isEnded(status: string): boolean {
  return isCallStatus(status) && isTerminalCallStatus(status);
}

/** Tone for badges: ok (completed), live (in progress), wait (on its way), bad (did not happen). */
export function statusTone(status: string): 'ok' | 'live' | 'wait' | 'bad' {
  if (status === 'completed') return 'ok';
  if (status === 'in_progress') return 'live';
  if (isEnded(status)) return 'bad';
  return 'wait';
}

const END_REASONS: Record<string, string> = {
  user_hung_up: 'You hung up.',
  persona_hung_up: 'The persona said goodbye and hung up.',
  budget_exhausted: 'The call reached its spending cap, so the persona wrapped up.',
  time_limit: 'The call reached its time limit.',
  silence_timeout: 'Nobody spoke for a while, so the call ended.',
  no_answer: 'Nobody answered.',
  busy: 'The line was busy.',
  canceled: 'The call was cancelled before it connected.',
  payment_failed: 'The payment did not go through, so the call was not placed.',
  provider_error: 'A service we depend on failed during the call. You were only charged for what was used.',
  relay_error: 'The voice connection dropped. You were only charged for what was used.',
  missed: 'It was too late to ring by the time the call could be placed.',
  failed: 'The call could not be placed.'
};

export function endReasonSentence(reason: string | null | undefined): string | null {
  if (!reason) return null;
  return END_REASONS[reason] ?? null;
}

/**
 * Why an ended call ended, as one sentence, or null. A call a machine answered is explained by
 * answeredBySentence alone: the status callback's guess ("You hung up.") or the relay's reason for the closed
 * stream would contradict it.
 */
export function endSentence(call: { end_reason?: string | null; error_message?: string | null; answered_by?: string | null }): string | null {
  if (call.answered_by === 'fax' || call.answered_by?.startsWith('machine')) return null;
  return call.error_message ?? endReasonSentence(call.end_reason);
}

/** What answered a phone call when it was not a person (Twilio's answering-machine verdict); null for a person. */
export function answeredBySentence(answeredBy: string | null | undefined, personaName: string): string | null {
  if (answeredBy === 'fax') return 'A fax machine answered, so the call was ended right away.';
  if (answeredBy?.startsWith('machine')) return `Your voicemail answered, so ${personaName} left a short message and hung up.`;
  return null;
}

export interface TimelineCall {
  status: string;
  created_at: string;
  dialed_at?: string | null;
  answered_at?: string | null;
  ended_at?: string | null;
}

export interface TimelineStep {
  key: 'placed' | 'ringing' | 'connected' | 'ended';
  label: string;
  state: 'done' | 'current' | 'upcoming' | 'skipped';
  at: string | null;
}

/**
 * Four steps: placed → ringing → connected → ended. A call that never connected (busy, no answer, failed) shows
 * "connected" as skipped and ends with its own label.
 */
export function timeline(call: TimelineCall): TimelineStep[] {
  const s = call.status;
  const rank: Record<string, number> = { created: 0, queued: 0, initiated: 1, ringing: 1, in_progress: 2 };
  const ended = isEnded(s);
  const reached = ended ? (call.answered_at ? 2 : call.dialed_at ? 1 : 0) : (rank[s] ?? 0);
  const state = (i: number): TimelineStep['state'] => {
    if (ended) return i <= reached ? 'done' : 'skipped';
    if (i < reached) return 'done';
    return i === reached ? 'current' : 'upcoming';
  };
  return [
    { key: 'placed', label: 'Placed', state: state(0), at: call.created_at },
    { key: 'ringing', label: 'Ringing', state: state(1), at: call.dialed_at ?? null },
    { key: 'connected', label: 'Connected', state: state(2), at: call.answered_at ?? null },
    { key: 'ended', label: ended ? statusLabel(s) : 'Ended', state: ended ? 'done' : 'upcoming', at: call.ended_at ?? null }
  ];
}

/** "4:05" from seconds. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
