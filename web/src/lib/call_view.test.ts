import { describe, expect, it } from 'vitest';
import { answeredBySentence, endReasonSentence, endSentence, formatDuration, isEnded, statusLabel, statusTone, timeline } from './call_view.ts';

const t0 = '2026-11-24T10:00:00Z';

describe('call status', () => {
  it('labels statuses and knows which are final', () => {
    expect(statusLabel('in_progress')).toBe('Connected');
    expect(statusLabel('no_answer')).toBe('No answer');
    expect(isEnded('completed')).toBe(true);
    expect(isEnded('ringing')).toBe(false);
    expect(statusTone('failed')).toBe('bad');
    expect(statusTone('in_progress')).toBe('live');
  });

  it('explains why a call ended', () => {
    expect(endReasonSentence('budget_exhausted')).toMatch(/spending cap/);
    expect(endReasonSentence(null)).toBeNull();
    expect(endReasonSentence('something_new')).toBeNull();
  });

  it('says when a voicemail or a fax answered instead of a person', () => {
    expect(answeredBySentence('machine_end_beep', 'Brad')).toBe('Your voicemail answered, so Brad left a short message and hung up.');
    expect(answeredBySentence('fax', 'Brad')).toMatch(/fax/);
    expect(answeredBySentence('human', 'Brad')).toBeNull();
    expect(answeredBySentence(null, 'Brad')).toBeNull();
  });

  it('does not say "You hung up." beside a voicemail, and otherwise prefers the recorded error', () => {
    expect(endSentence({ end_reason: 'user_hung_up', answered_by: 'machine_end_beep' })).toBeNull();
    expect(endSentence({ end_reason: 'user_hung_up', answered_by: 'fax' })).toBeNull();
    expect(endSentence({ end_reason: 'user_hung_up', answered_by: 'human' })).toBe('You hung up.');
    expect(endSentence({ end_reason: 'canceled', error_message: 'The microphone was never connected.' })).toBe('The microphone was never connected.');
    expect(endSentence({ end_reason: null })).toBeNull();
  });

  it('formats durations', () => {
    expect(formatDuration(245)).toBe('4:05');
    expect(formatDuration(null)).toBe('–');
  });
});

describe('timeline', () => {
  it('marks the current step of a live call', () => {
    const steps = timeline({ status: 'ringing', created_at: t0, dialed_at: t0 });
    expect(steps.map((s) => s.state)).toEqual(['done', 'current', 'upcoming', 'upcoming']);
  });

  it('completes every step of a finished call', () => {
    const steps = timeline({ status: 'completed', created_at: t0, dialed_at: t0, answered_at: t0, ended_at: t0 });
    expect(steps.map((s) => s.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(steps[3]!.label).toBe('Completed');
  });

  it('skips "connected" for a call nobody answered', () => {
    const steps = timeline({ status: 'no_answer', created_at: t0, dialed_at: t0, ended_at: t0 });
    expect(steps.map((s) => s.state)).toEqual(['done', 'done', 'skipped', 'done']);
    expect(steps[3]!.label).toBe('No answer');
  });
});
