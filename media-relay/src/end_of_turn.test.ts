import { afterEach, describe, expect, it, vi } from 'vitest';
import { EndOfTurn, looksUnfinished } from './end_of_turn.ts';

describe('end of turn', () => {
  afterEach(() => vi.useRealTimers());

  it('calls a sentence that hangs on a conjunction, article or filler unfinished, and whole sentences finished', () => {
    for (const t of ['i wanted to ask about the', 'yes and', 'my name is um', 'because', 'well,']) expect(looksUnfinished(t), t).toBe(true);
    for (const t of ['hold on', "i'd love to", 'where are you from', 'who is this', 'Is it the end of the?', '']) expect(looksUnfinished(t), t).toBe(false);
  });

  it('ends a finished turn at once, with its words', () => {
    const turns: string[] = [];
    const e = new EndOfTurn({ holdMs: 700, onTurnEnd: (t) => turns.push(t) });
    e.final('who is', false);
    expect(e.soFar()).toBe('who is');
    e.final('who is this', true);
    expect(turns).toEqual(['who is this']);
    expect(e.soFar()).toBe('');
  });

  it('holds an unfinished turn for holdMs, then ends it if nothing more is said', () => {
    vi.useFakeTimers();
    const turns: string[] = [];
    const e = new EndOfTurn({ holdMs: 700, onTurnEnd: (t) => turns.push(t) });
    e.final('i was calling about the', true);
    vi.advanceTimersByTime(699);
    expect(turns).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(turns).toEqual(['i was calling about the']);
  });

  it('joins what the caller adds to the held words, and the words so far include both', () => {
    vi.useFakeTimers();
    const turns: string[] = [];
    const e = new EndOfTurn({ holdMs: 700, onTurnEnd: (t) => turns.push(t) });
    e.final('i was calling about the', true);
    e.interim('invoice');
    expect(e.soFar('invoice')).toBe('i was calling about the invoice');
    vi.advanceTimersByTime(5000); // the caller went on speaking: the hold no longer ends the turn
    expect(turns).toEqual([]);
    e.final('invoice from march', true);
    expect(turns).toEqual(['i was calling about the invoice from march']);
  });
});
