// Scheduled-call times in the user's own time zone, computed with Intl.DateTimeFormat (no date library).
//
// A booking is a wall-clock time ("07:00") in an IANA zone plus a recurrence. Each occurrence is the same wall
// time on the next allowed local day, so a daily 07:00 in Europe/London is 07:00 GMT in winter and 07:00 BST in
// summer: the UTC instant moves by an hour across a change, the local time does not.
//
// Local times that a daylight-saving change makes impossible or ambiguous are resolved like this:
// - Skipped (spring forward, e.g. 02:30 on the US change night): the call moves to the first valid minute after
//   the gap, i.e. the instant of the change (03:00 local in New York). It rings a little late rather than never.
// - Repeated (fall back, e.g. 01:30 happens twice): the earlier one is used, so the call rings once, on time.

export const RECURRENCES = ['none', 'daily', 'weekdays', 'weekly'] as const;
export type Recurrence = (typeof RECURRENCES)[number];

export interface LocalTime {
  readonly hour: number; // 0-23
  readonly minute: number; // 0-59
  readonly second: number; // 0-59
}

export interface LocalDate {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number; // 1-31
}

export interface LocalDateTime extends LocalDate, LocalTime {
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
}

const DAY_MS = 86_400_000;

/** How late a scheduled call may still ring by default; later runs mark it missed. */
export const DEFAULT_MISSED_AFTER_SECONDS = 15 * 60;

export function isRecurrence(value: unknown): value is Recurrence {
  return typeof value === 'string' && (RECURRENCES as readonly string[]).includes(value);
}

// Same shape rule as the database's private.is_iana_timezone: "UTC" or Area/Location names, never POSIX strings
// ("UTC+5") or offsets ("+01:00"), whose meaning surprises people.
const IANA_SHAPE = /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True for IANA zone names this runtime knows, e.g. "Europe/London", "America/New_York", "UTC". */
export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.length > 64) return false;
  if (timeZone !== 'UTC' && !IANA_SHAPE.test(timeZone)) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The runtime's canonical spelling ("europe/london" → "Europe/London"), or null if the zone is not valid. */
export function canonicalTimeZone(timeZone: unknown): string | null {
  if (!isValidTimeZone(timeZone)) return null;
  const canonical = formatter(timeZone).resolvedOptions().timeZone;
  return isValidTimeZone(canonical) ? canonical : timeZone;
}

function assertTimeZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`Unknown time zone ${JSON.stringify(timeZone)}.`);
}

const TIME_PATTERN = /^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d+)?)?$/;

/** "07:00", "7:00" or "07:00:00" (as Postgres prints `time`) → LocalTime; null when not a valid time of day. */
export function parseLocalTime(text: string): LocalTime | null {
  const m = TIME_PATTERN.exec(typeof text === 'string' ? text.trim() : '');
  if (!m) return null;
  return { hour: Number(m[1]), minute: Number(m[2]), second: Number(m[3] ?? '0') };
}

function toLocalTime(time: LocalTime | string): LocalTime {
  const t = typeof time === 'string' ? parseLocalTime(time) : time;
  const inRange = (n: number, max: number): boolean => Number.isInteger(n) && n >= 0 && n <= max;
  if (t === null || !inRange(t.hour, 23) || !inRange(t.minute, 59) || !inRange(t.second, 59)) throw new RangeError(`Not a time of day: ${JSON.stringify(time)}. Use HH:MM, e.g. 07:00.`);
  return t;
}

/** The wall-clock reading in `timeZone` at `instant`, as if that reading were UTC (whole seconds). */
function wallClockMs(instantMs: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(instantMs));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const hour = get('hour') % 24; // some engines print midnight as 24
  return Date.UTC(get('year'), get('month') - 1, get('day'), hour, get('minute'), get('second'));
}

function offsetMs(instantMs: number, timeZone: string): number {
  const whole = Math.floor(instantMs / 1000) * 1000;
  return wallClockMs(whole, timeZone) - whole;
}

/** The local calendar date and time in `timeZone` at `instant`. */
export function toZonedDateTime(instant: Date, timeZone: string): LocalDateTime {
  assertTimeZone(timeZone);
  const wall = new Date(wallClockMs(instant.getTime(), timeZone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    weekday: wall.getUTCDay(),
  };
}

/**
 * The instant at which the clock in `timeZone` shows `date` `time`. A skipped local time gives the first instant
 * after the gap; a repeated one gives the earlier instant (see the top of this file).
 */
export function localToUtc(date: LocalDate, time: LocalTime | string, timeZone: string): Date {
  assertTimeZone(timeZone);
  const t = toLocalTime(time);
  const wall = Date.UTC(date.year, date.month - 1, date.day, t.hour, t.minute, t.second);
  if (Number.isNaN(wall)) throw new RangeError(`Not a calendar date: ${JSON.stringify(date)}.`);
  // The real instant lies within ±14 h of `wall`; the offsets a day either side bracket any change near it.
  const offBefore = offsetMs(wall - DAY_MS, timeZone);
  const offAfter = offsetMs(wall + DAY_MS, timeZone);
  const matches = [wall - offBefore, wall - offAfter].filter((c) => wallClockMs(c, timeZone) === wall);
  if (matches.length > 0) return new Date(Math.min(...matches));
  if (offAfter <= offBefore) return new Date(wall - offBefore); // not a gap we can see; keep the earlier offset
  // In the gap: before the change the clock reads less than `wall`, after it more. Find the change to the second.
  let lo = wall - offAfter;
  let hi = wall - offBefore;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallClockMs(mid, timeZone) > wall) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

function dayNumber(date: LocalDate): number {
  return Math.round(Date.UTC(date.year, date.month - 1, date.day) / DAY_MS);
}

function fromDayNumber(n: number): LocalDate {
  const d = new Date(n * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function isWeekend(dayNo: number): boolean {
  const weekday = new Date(dayNo * DAY_MS).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/**
 * The occurrence after `previousUtc` for a booking at `localTime` in `timeZone`: the next local day (daily), the
 * next Monday–Friday (weekdays) or the same weekday a week later (weekly); null for a one-off booking.
 * With `notBefore`, occurrences before it are skipped (a dispatcher that was down does not replay them).
 */
export function nextOccurrence(
  previousUtc: Date,
  localTime: LocalTime | string,
  timeZone: string,
  recurrence: Recurrence,
  notBefore?: Date,
): Date | null {
  assertTimeZone(timeZone);
  const time = toLocalTime(localTime);
  if (recurrence === 'none') return null;
  if (!isRecurrence(recurrence)) throw new RangeError(`Unknown recurrence ${JSON.stringify(recurrence)}.`);
  const step = recurrence === 'weekly' ? 7 : 1;
  let day = dayNumber(toZonedDateTime(previousUtc, timeZone));
  const floor = Math.max(previousUtc.getTime() + 1, notBefore?.getTime() ?? Number.NEGATIVE_INFINITY);
  if (notBefore !== undefined) {
    // Jump close to `notBefore` (keeping the weekly weekday) instead of walking day by day.
    const target = dayNumber(toZonedDateTime(notBefore, timeZone)) - 1;
    if (target > day) day += Math.floor((target - day) / step) * step;
  }
  for (;;) {
    day += step;
    if (recurrence === 'weekdays') while (isWeekend(day)) day++;
    const at = localToUtc(fromDayNumber(day), time, timeZone);
    if (at.getTime() >= floor) return at;
  }
}

/**
 * The first occurrence at or after `now` for a new booking: today at `localTime` if that is still ahead, else
 * the next day; weekday bookings start on the next Monday–Friday.
 */
export function firstOccurrence(now: Date, localTime: LocalTime | string, timeZone: string, recurrence: Recurrence): Date {
  assertTimeZone(timeZone);
  const time = toLocalTime(localTime);
  let day = dayNumber(toZonedDateTime(now, timeZone));
  for (;;) {
    if (recurrence !== 'weekdays' || !isWeekend(day)) {
      const at = localToUtc(fromDayNumber(day), time, timeZone);
      if (at.getTime() >= now.getTime()) return at;
    }
    day++;
  }
}

/** True when it is too late to ring for an occurrence due at `scheduledAt` (it becomes `missed`). */
export function isTooLateToRing(scheduledAt: Date, now: Date, graceSeconds: number = DEFAULT_MISSED_AFTER_SECONDS): boolean {
  return now.getTime() - scheduledAt.getTime() > graceSeconds * 1000;
}
