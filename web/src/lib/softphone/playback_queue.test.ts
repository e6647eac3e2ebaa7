import { describe, expect, it } from 'vitest';
import { PlaybackQueue } from './playback_queue.ts';

describe('PlaybackQueue', () => {
  it('plays chunks back to back in arrival order, starting now when nothing is queued', () => {
    const q = new PlaybackQueue();
    expect(q.enqueue(0.5, 10)).toBe(10);
    expect(q.enqueue(0.25, 10.1)).toBe(10.5);
    expect(q.queuedSeconds(10.1)).toBeCloseTo(0.65);
    // After a gap the next chunk starts at once, not in the past.
    expect(q.enqueue(0.2, 20)).toBe(20);
  });

  it('makes a mark due only when the audio queued before it has played', () => {
    const q = new PlaybackQueue();
    q.enqueue(1, 0);
    q.mark('a', 0);
    q.enqueue(1, 0.2);
    q.mark('b', 0.2);
    expect(q.due(0.99)).toEqual([]);
    expect(q.nextDueAt()).toBe(1);
    expect(q.due(1)).toEqual(['a']);
    expect(q.due(1.5)).toEqual([]);
    expect(q.due(2.5)).toEqual(['b']);
    expect(q.nextDueAt()).toBeNull();
  });

  it('makes a mark with nothing queued before it due at once, and returns each mark only once', () => {
    const q = new PlaybackQueue();
    q.mark('empty', 5);
    expect(q.due(5)).toEqual(['empty']);
    expect(q.due(6)).toEqual([]);
  });

  it('keeps marks in order even when several fall due together', () => {
    const q = new PlaybackQueue();
    for (const name of ['1', '2', '3']) {
      q.enqueue(0.1, 0);
      q.mark(name, 0);
    }
    expect(q.due(10)).toEqual(['1', '2', '3']);
  });

  it('on clear returns every pending mark and lets new audio start immediately', () => {
    const q = new PlaybackQueue();
    q.enqueue(3, 0);
    q.mark('x', 0);
    q.enqueue(3, 0);
    q.mark('y', 0);
    expect(q.clear(1)).toEqual(['x', 'y']);
    expect(q.due(100)).toEqual([]);
    expect(q.queuedSeconds(1)).toBe(0);
    expect(q.enqueue(0.5, 1.2)).toBe(1.2);
  });
});
