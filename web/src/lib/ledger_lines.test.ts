import { describe, expect, it } from 'vitest';
import { callNote, foldedEntries, formatChange, lineTitle, type LedgerLine } from './ledger_lines.ts';

const line = (over: Partial<LedgerLine>): LedgerLine => ({
  line_id: 1, kind: 'call', call_id: 'c1', call_state: 'charged', change: -4, held_credits: 100, released_credits: 96,
  balance_after: 996, persona_name: 'Brad', description: null, created_at: '2026-12-05T10:00:00Z',
  entries: [
    { id: 11, type: 'reservation', amount: -100, reserved_delta: 100, owed_delta: 0 },
    { id: 14, type: 'settlement', amount: 96, reserved_delta: -100, owed_delta: 0 }
  ],
  ...over
});

describe('ledger lines', () => {
  it('formats a change with its sign, a real minus sign for a charge', () => {
    expect(formatChange(500)).toBe('+500');
    expect(formatChange(-4)).toBe('−4');
    expect(formatChange(-1200)).toBe('−1,200');
    expect(formatChange(0)).toBe('0');
  });

  it('names a call by who called and a movement by its kind', () => {
    expect(lineTitle(line({}))).toBe('Call with Brad');
    expect(lineTitle(line({ persona_name: null }))).toBe('Call with a persona');
    expect(lineTitle(line({ kind: 'purchase', call_id: null }))).toBe('Credit pack');
  });

  it('folds the hold and the release beneath a call', () => {
    expect(foldedEntries(line({}))).toEqual([
      { id: 11, label: 'Held for the call', change: '−100' },
      { id: 14, label: 'Released when it settled', change: '+96' }
    ]);
    expect(foldedEntries(line({ call_state: 'released', change: 0 }))[1]!.label).toBe('Released: the call did not connect');
    expect(foldedEntries(line({ kind: 'purchase' }))).toEqual([]);
    expect(foldedEntries(line({ entries: [null, 'x', { id: 'a' }] }))).toEqual([]);
  });

  it('notes a call in progress and one that never connected', () => {
    expect(callNote(line({ call_state: 'held', change: 0 }))).toBe('in progress, 100 held');
    expect(callNote(line({ call_state: 'released' }))).toBe('did not connect, nothing charged');
    expect(callNote(line({}))).toBeNull();
  });
});
