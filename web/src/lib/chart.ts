// Geometry for the hand-drawn SVG bar charts: a "nice" top for the value axis and where each bar goes. Pure, so
// the shapes are tested without a browser.

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `max` (at least `floor`), so gridlines land on round numbers. */
export function niceMax(max: number, floor = 1): number {
  const m = Math.max(Number.isFinite(max) ? max : 0, floor);
  const pow = 10 ** Math.floor(Math.log10(m));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * pow >= m - 1e-9) return step * pow;
  return 10 * pow;
}

/** The top of an axis with `steps` gridline steps, each step a round number (so a count never reads "1.3"). */
export function niceTop(max: number, floor = 1, steps = 4): number {
  return niceMax((Number.isFinite(max) ? max : 0) / steps, floor / steps) * steps;
}

/** Gridline values from 0 to top in `count` equal steps. */
export function ticks(top: number, count = 4): number[] {
  return Array.from({ length: count + 1 }, (_, i) => (top * i) / count);
}

export interface Bar {
  x: number;
  width: number;
  y: number;
  height: number;
}

/**
 * Bars for `values` across `width` × `height` (value 0 at the bottom, `top` at the top), `gap` a share of each
 * slot left empty. A positive value is at least 1 unit tall so it never vanishes next to a big one.
 */
export function bars(values: readonly number[], width: number, height: number, top: number, gap = 0.25): Bar[] {
  const slot = values.length > 0 ? width / values.length : 0;
  return values.map((v, i) => {
    const value = Number.isFinite(v) && v > 0 ? v : 0;
    const h = top > 0 ? Math.min(height, (value / top) * height) : 0;
    const tall = value > 0 ? Math.max(h, 1) : 0;
    return { x: i * slot + (slot * gap) / 2, width: slot * (1 - gap), y: height - tall, height: tall };
  });
}

/** Where a value sits on the vertical axis (for markers and gridlines). */
export function yOf(value: number, height: number, top: number): number {
  if (!(top > 0)) return height;
  return height - Math.min(height, Math.max(0, (value / top) * height));
}
