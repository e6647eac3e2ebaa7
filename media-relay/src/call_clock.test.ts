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

  it('keeps its ticks on its grid: a late tick does not move the next, and jobs are told the grid point', () => {
    vi.useFakeTimers();
    let t = 0;
    const clock = new CallClock({ tickMs: 20, now: () => t });
    const seen: number[] = [];
    const stop = clock.every(20, (at) => seen.push(at));
    // The first tick runs 17 ms late: the job hears 20, and the next tick is still due at 40, 3 ms on.
    t = 37;
    vi.advanceTimersByTime(20);
    t = 40;
    vi.advanceTimersByTime(3);
    // A tick a hair early (timers keep whole milliseconds) is the same grid point, and its job still runs.
    t = 59.6;
    vi.advanceTimersByTime(20);
    // So is one several milliseconds early: Node counts a timer from when its loop turn began, and a turn busy
    // with hundreds of calls began well before the timer was set.
    t = 75.5;
    vi.advanceTimersByTime(20);
    expect(seen).toEqual([20, 40, 60, 80]);
    stop();
  });
});
