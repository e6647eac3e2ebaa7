import { describe, expect, it } from 'vitest';
import { bars, niceMax, niceTop, ticks, yOf } from './chart';

describe('niceMax', () => {
  it('rounds up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceMax(7)).toBe(10);
    expect(niceMax(11)).toBe(20);
    expect(niceMax(21)).toBe(25);
    expect(niceMax(26)).toBe(50);
    expect(niceMax(0.03, 0.01)).toBe(0.05);
    expect(niceMax(100)).toBe(100);
  });
  it('never goes below the floor, even with no data', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(Number.NaN, 5)).toBe(5);
  });
});

describe('niceTop', () => {
  it('makes every gridline step a round number', () => {
    expect(niceTop(3)).toBe(4);
    expect(ticks(niceTop(3), 4)).toEqual([0, 1, 2, 3, 4]);
    expect(niceTop(1500, 1000)).toBe(2000);
    expect(niceTop(13)).toBe(20);
    expect(niceTop(0)).toBe(1);
  });
});

describe('bars', () => {
  it('splits the width into equal slots and scales heights to the top', () => {
    const b = bars([0, 5, 10], 300, 100, 10, 0);
    expect(b.map((x) => x.x)).toEqual([0, 100, 200]);
    expect(b.map((x) => x.height)).toEqual([0, 50, 100]);
    expect(b[1]!.y).toBe(50);
  });
  it('keeps a tiny positive value visible and clamps values above the top', () => {
    const b = bars([0.001, 50], 20, 100, 10);
    expect(b[0]!.height).toBe(1);
    expect(b[1]!.height).toBe(100);
  });
  it('draws nothing for no values and treats bad numbers as zero', () => {
    expect(bars([], 100, 100, 10)).toEqual([]);
    expect(bars([Number.NaN, -3], 100, 100, 10).map((x) => x.height)).toEqual([0, 0]);
  });
});

describe('ticks and yOf', () => {
  it('puts gridlines at equal steps and values on the axis', () => {
    expect(ticks(20, 4)).toEqual([0, 5, 10, 15, 20]);
    expect(yOf(5, 100, 20)).toBe(75);
    expect(yOf(50, 100, 20)).toBe(0);
    expect(yOf(5, 100, 0)).toBe(100);
  });
});
