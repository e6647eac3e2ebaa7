// Stripe API versions the stand-in answers to. Since 2024-09-30 a version is a monthly release date plus the
// name of its major release; the list is every release from acacia up to the one the pinned `stripe` SDK
// (23.1.0) speaks, from its changelog. Older versions were bare dates (YYYY-MM-DD); those are accepted when
// well formed, since the stand-in does not keep Stripe's hundred-odd legacy release dates.
export const API_VERSIONS: readonly string[] = [
  '2024-09-30.acacia', '2024-10-28.acacia', '2024-11-20.acacia', '2024-12-18.acacia', '2025-01-27.acacia', '2025-02-24.acacia',
  '2025-03-31.basil', '2025-04-30.basil', '2025-05-28.basil', '2025-06-30.basil', '2025-07-30.basil', '2025-08-27.basil',
  '2025-09-30.clover', '2025-10-29.clover', '2025-11-17.clover', '2025-12-15.clover', '2026-01-28.clover', '2026-02-25.clover',
  '2026-03-25.dahlia', '2026-04-22.dahlia', '2026-05-27.dahlia', '2026-06-24.dahlia', '2026-07-29.dahlia', '2026-08-26.dahlia',
  '2026-09-30.endive', '2026-10-28.endive'
];

const FIRST_NAMED = '2024-09-30';

function isCalendarDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function isKnownApiVersion(v: string): boolean {
  if (API_VERSIONS.includes(v)) return true;
  return /^\d{4}-\d{2}-\d{2}$/.test(v) && isCalendarDate(v) && v >= '2011-01-01' && v < FIRST_NAMED;
}
