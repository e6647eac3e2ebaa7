import { describe, expect, it } from 'vitest';
import { lastSeq, mergeSegments, parseInterim, speakerName } from './transcript.ts';

describe('mergeSegments', () => {
  it('keeps one line per seq in order, whatever order they arrive in', () => {
    const a = { seq: 0, speaker: 'persona', text: 'Hey!' };
    const b = { seq: 1, speaker: 'user', text: 'Hi' };
    const c = { seq: 2, speaker: 'persona', text: 'Up yet?' };
    const merged = mergeSegments([c], [b, a, c]);
    expect(merged.map((s) => s.seq)).toEqual([0, 1, 2]);
    expect(mergeSegments(merged, [{ ...b, text: 'Hi there' }])[1]!.text).toBe('Hi there');
  });

  it('ignores malformed rows', () => {
    expect(mergeSegments([], [{ seq: 'x' } as never, { seq: 3, speaker: 'user' } as never])).toEqual([]);
  });

  it('reports the last seq', () => {
    expect(lastSeq([])).toBe(-1);
    expect(lastSeq([{ seq: 4, speaker: 'user', text: 'a' }, { seq: 2, speaker: 'user', text: 'b' }])).toBe(4);
  });
});

describe('parseInterim', () => {
  it('accepts text with a speaker and defaults to the caller', () => {
    expect(parseInterim({ speaker: 'persona', text: ' Good morn ' })).toEqual({ speaker: 'persona', text: 'Good morn' });
    expect(parseInterim({ text: 'I am' })).toEqual({ speaker: 'user', text: 'I am' });
    expect(parseInterim({ text: '  ' })).toBeNull();
    expect(parseInterim(null)).toBeNull();
  });

  it('names speakers', () => {
    expect(speakerName('persona', 'Brad')).toBe('Brad');
    expect(speakerName('user', 'Brad')).toBe('You');
    expect(speakerName('system', 'Brad')).toBe('Call');
  });
});
