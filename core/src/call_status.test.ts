import { describe, expect, it } from 'vitest';
import {
  ACTIVE_CALL_STATUSES,
  CALL_END_REASONS,
  CALL_STATUSES,
  SCHEDULED_CALL_STATUSES,
  TERMINAL_CALL_STATUSES,
  TWILIO_CALL_STATUSES,
  callStatusFromTwilio,
  callStatusRank,
  canCancelScheduledCall,
  canTransition,
  isCallEndReason,
  isCallStatus,
  isScheduledCallStatus,
  isTerminalCallStatus,
  isTerminalScheduledCallStatus,
  nextStatus,
  type CallStatus,
} from './call_status.ts';
import { Constants } from './database.types.ts';
import { SERVICES } from './pricing.ts';

describe('call status sets', () => {
  it('splits every status into exactly one of active or terminal', () => {
    const union = [...ACTIVE_CALL_STATUSES, ...TERMINAL_CALL_STATUSES].sort();
    expect(union).toEqual([...CALL_STATUSES].sort());
    for (const s of CALL_STATUSES) {
      expect(isTerminalCallStatus(s)).toBe((TERMINAL_CALL_STATUSES as readonly string[]).includes(s));
    }
  });

  it('ranks the active path strictly upward and all endings equally', () => {
    const ranks = ACTIVE_CALL_STATUSES.map(callStatusRank);
    expect(ranks).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(TERMINAL_CALL_STATUSES.map(callStatusRank))).toEqual(new Set([5]));
  });

  it('validates unknown strings', () => {
    expect(isCallStatus('in_progress')).toBe(true);
    expect(isCallStatus('in-progress')).toBe(false);
    expect(isCallStatus('missed')).toBe(false);
    expect(isCallStatus(3)).toBe(false);
  });
});

describe('canTransition', () => {
  it('moves forward along the happy path and may skip steps', () => {
    expect(canTransition('created', 'queued')).toBe(true);
    expect(canTransition('queued', 'ringing')).toBe(true);
    expect(canTransition('ringing', 'in_progress')).toBe(true);
    expect(canTransition('in_progress', 'completed')).toBe(true);
    expect(canTransition('created', 'failed')).toBe(true);
    expect(canTransition('initiated', 'in_progress')).toBe(true);
  });

  it('never moves backward or sideways', () => {
    expect(canTransition('in_progress', 'ringing')).toBe(false);
    expect(canTransition('ringing', 'queued')).toBe(false);
    expect(canTransition('ringing', 'ringing')).toBe(false);
  });

  it('never leaves a terminal status', () => {
    for (const from of TERMINAL_CALL_STATUSES) {
      for (const to of CALL_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
  });
});

describe('nextStatus', () => {
  it('applies a sequence of out-of-order and duplicate callbacks monotonically', () => {
    const callbacks: CallStatus[] = ['initiated', 'in_progress', 'ringing', 'in_progress', 'completed', 'failed', 'ringing'];
    let status: CallStatus = 'queued';
    const seen: CallStatus[] = [];
    for (const incoming of callbacks) {
      status = nextStatus(status, incoming);
      seen.push(status);
    }
    expect(seen).toEqual(['initiated', 'in_progress', 'in_progress', 'in_progress', 'completed', 'completed', 'completed']);
  });

  it('keeps the first ending', () => {
    expect(nextStatus('no_answer', 'completed')).toBe('no_answer');
    expect(nextStatus('canceled', 'in_progress')).toBe('canceled');
  });
});

describe('callStatusFromTwilio', () => {
  it('maps every documented Twilio status', () => {
    expect(TWILIO_CALL_STATUSES.map(callStatusFromTwilio)).toEqual([
      'queued', 'initiated', 'ringing', 'in_progress', 'completed', 'busy', 'no_answer', 'failed', 'canceled',
    ]);
  });

  it('returns null for anything else, including our own spellings and prototype keys', () => {
    expect(callStatusFromTwilio('in_progress')).toBeNull();
    expect(callStatusFromTwilio('answered')).toBeNull();
    expect(callStatusFromTwilio('')).toBeNull();
    expect(callStatusFromTwilio('constructor')).toBeNull();
  });
});

describe('end reasons and scheduled statuses', () => {
  it('validates end reasons', () => {
    expect(isCallEndReason('budget_exhausted')).toBe(true);
    expect(isCallEndReason('hung_up')).toBe(false);
  });

  it('keeps missed as a scheduled-call status only', () => {
    expect(isScheduledCallStatus('missed')).toBe(true);
    expect(isTerminalScheduledCallStatus('missed')).toBe(true);
    expect(isTerminalScheduledCallStatus('claimed')).toBe(false);
    expect(isCallStatus('missed')).toBe(false);
  });

  it('lets users cancel only pending occurrences', () => {
    expect(canCancelScheduledCall('pending')).toBe(true);
    expect(canCancelScheduledCall('claimed')).toBe(false);
    expect(canCancelScheduledCall('dispatched')).toBe(false);
  });
});

describe('lists generated from the database', () => {
  it('are the generated enum constants, so there is one list each', () => {
    expect(CALL_STATUSES).toBe(Constants.public.Enums.call_status);
    expect(CALL_END_REASONS).toBe(Constants.public.Enums.call_end_reason);
    expect(SCHEDULED_CALL_STATUSES).toBe(Constants.public.Enums.scheduled_call_status);
    expect(SERVICES).toBe(Constants.public.Enums.service);
  });

  it('terminal statuses are the enum from completed on, as private.call_status_is_terminal decides', () => {
    expect(TERMINAL_CALL_STATUSES).toEqual(CALL_STATUSES.slice(CALL_STATUSES.indexOf('completed')));
    expect(ACTIVE_CALL_STATUSES).toEqual(CALL_STATUSES.slice(0, CALL_STATUSES.indexOf('completed')));
  });
});
