import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallClock } from './call_clock.ts';

describe('call clock', () => {
  afterEach(() => vi.useRealTimers());

  it('runs each job at its own period from one timer, and stops the timer when no job is left', () => {
    vi.useFakeTimers();
    let t = 0;
    const clock = new CallClock({ tickMs: 20, now: () => t });
    const runs = { a: 0, b: 0 };
    const stopA = clock.every(100, () => runs.a++);
    const stopB = clock.every(1000, () => runs.b++);
    expect(vi.getTimerCount()).toBe(1);
    for (let i = 0; i < 100; i++) {
      t += 20;
      vi.advanceTimersByTime(20);
    }
    expect(runs).toEqual({ a: 20, b: 2 });
    stopA();
    stopB();
    expect(vi.getTimerCount()).toBe(0);
    expect(clock.size).toBe(0);
  });

  it('runs a late job once, not once per missed period, and keeps others going when one throws', () => {
    vi.useFakeTimers();
    let t = 0;
    const clock = new CallClock({ tickMs: 20, now: () => t });
    let runs = 0;
    clock.every(100, () => { throw new Error('one call broke'); });
    const stop = clock.every(100, () => runs++);
    t = 1000;
    vi.advanceTimersByTime(20);
    expect(runs).toBe(1);
    t = 1100;
    vi.advanceTimersByTime(20);
    expect(runs).toBe(2);
    stop();
  });
});
