import { describe, expect, it } from 'vitest';
import {
  canonicalTimeZone,
  firstOccurrence,
  isRecurrence,
  isTooLateToRing,
  isValidTimeZone,
  localToUtc,
  nextOccurrence,
  parseLocalTime,
  toZonedDateTime,
} from './schedule.ts';

const utc = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;

// 2026 changes: New York springs forward Sun 8 March 02:00 EST → 03:00 EDT and falls back Sun 1 November
// 02:00 EDT → 01:00 EST; London springs forward Sun 29 March 01:00 GMT → 02:00 BST and falls back
// Sun 25 October 02:00 BST → 01:00 GMT.

describe('isValidTimeZone', () => {
  it('accepts IANA names and UTC', () => {
    for (const tz of ['Europe/London', 'America/New_York', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'UTC']) {
      expect(isValidTimeZone(tz)).toBe(true);
    }
  });

  it('rejects unknown names, offsets and POSIX strings the database would also refuse', () => {
    for (const tz of ['Mars/Olympus_Mons', '', '+01:00', 'UTC+5', 'EST5EDT', 'GMT', 'Europe/London ', 42, null, 'A/'.repeat(40)]) {
      expect(isValidTimeZone(tz)).toBe(false);
    }
  });

  it('canonicalises spelling', () => {
    expect(canonicalTimeZone('europe/london')).toBe('Europe/London');
    expect(canonicalTimeZone('Europe/Paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('Nowhere/Land')).toBeNull();
  });
});

describe('parseLocalTime', () => {
  it('reads HH:MM and Postgres HH:MM:SS', () => {
    expect(parseLocalTime('07:00')).toEqual({ hour: 7, minute: 0, second: 0 });
    expect(parseLocalTime('7:05')).toEqual({ hour: 7, minute: 5, second: 0 });
    expect(parseLocalTime('23:59:30')).toEqual({ hour: 23, minute: 59, second: 30 });
  });

  it('rejects impossible times', () => {
    for (const t of ['24:00', '12:60', '7', 'noon', '', '07:00 pm', '-1:00']) expect(parseLocalTime(t)).toBeNull();
  });
});

describe('localToUtc', () => {
  it('converts ordinary times with the offset in force that day', () => {
    expect(iso(localToUtc({ year: 2026, month: 1, day: 15 }, '07:00', 'America/New_York'))).toBe('2026-01-15T12:00:00.000Z');
    expect(iso(localToUtc({ year: 2026, month: 7, day: 15 }, '07:00', 'America/New_York'))).toBe('2026-07-15T11:00:00.000Z');
    expect(iso(localToUtc({ year: 2026, month: 7, day: 15 }, '07:00', 'Europe/London'))).toBe('2026-07-15T06:00:00.000Z');
    expect(iso(localToUtc({ year: 2026, month: 7, day: 15 }, '07:00', 'Asia/Kolkata'))).toBe('2026-07-15T01:30:00.000Z');
  });

  it('moves a skipped time to the first minute after the gap', () => {
    // 02:30 does not exist in New York on 8 March: the clock jumps 02:00 → 03:00 EDT (07:00Z).
    expect(iso(localToUtc({ year: 2026, month: 3, day: 8 }, '02:30', 'America/New_York'))).toBe('2026-03-08T07:00:00.000Z');
    expect(iso(localToUtc({ year: 2026, month: 3, day: 8 }, '02:00', 'America/New_York'))).toBe('2026-03-08T07:00:00.000Z');
    // 01:15 does not exist in London on 29 March: the clock jumps 01:00 → 02:00 BST (01:00Z).
    expect(iso(localToUtc({ year: 2026, month: 3, day: 29 }, '01:15', 'Europe/London'))).toBe('2026-03-29T01:00:00.000Z');
    // The minute before the gap is still normal.
    expect(iso(localToUtc({ year: 2026, month: 3, day: 8 }, '01:59', 'America/New_York'))).toBe('2026-03-08T06:59:00.000Z');
  });

  it('takes the earlier of a repeated time', () => {
    // 01:30 on 1 November happens at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(iso(localToUtc({ year: 2026, month: 11, day: 1 }, '01:30', 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
    // 01:30 on 25 October in London: 00:30Z (BST) and 01:30Z (GMT).
    expect(iso(localToUtc({ year: 2026, month: 10, day: 25 }, '01:30', 'Europe/London'))).toBe('2026-10-25T00:30:00.000Z');
  });

  it('refuses bad input', () => {
    expect(() => localToUtc({ year: 2026, month: 1, day: 1 }, '25:00', 'Europe/London')).toThrow(/HH:MM/);
    expect(() => localToUtc({ year: 2026, month: 1, day: 1 }, '07:00', 'Moon/Base')).toThrow(/time zone/);
  });
});

describe('nextOccurrence keeps the local time across daylight-saving changes', () => {
  it('daily 07:00 in Europe/London across March and October', () => {
    expect(iso(nextOccurrence(utc('2026-03-28T07:00:00Z'), '07:00', 'Europe/London', 'daily'))).toBe('2026-03-29T06:00:00.000Z');
    expect(iso(nextOccurrence(utc('2026-03-29T06:00:00Z'), '07:00', 'Europe/London', 'daily'))).toBe('2026-03-30T06:00:00.000Z');
    expect(iso(nextOccurrence(utc('2026-10-24T06:00:00Z'), '07:00', 'Europe/London', 'daily'))).toBe('2026-10-25T07:00:00.000Z');
  });

  it('daily 07:00 in America/New_York across March and November', () => {
    expect(iso(nextOccurrence(utc('2026-03-07T12:00:00Z'), '07:00', 'America/New_York', 'daily'))).toBe('2026-03-08T11:00:00.000Z');
    expect(iso(nextOccurrence(utc('2026-10-31T11:00:00Z'), '07:00', 'America/New_York', 'daily'))).toBe('2026-11-01T12:00:00.000Z');
  });

  it('stays at 07:00 local every day for a whole year in both zones', () => {
    for (const tz of ['Europe/London', 'America/New_York', 'Australia/Sydney']) {
      let at = localToUtc({ year: 2026, month: 1, day: 1 }, '07:00', tz);
      for (let i = 0; i < 366; i++) {
        const next = nextOccurrence(at, '07:00', tz, 'daily');
        if (next === null) throw new Error('daily must recur');
        const local = toZonedDateTime(next, tz);
        expect([local.hour, local.minute]).toEqual([7, 0]);
        const hours = (next.getTime() - at.getTime()) / 3_600_000;
        expect([23, 24, 25]).toContain(hours);
        at = next;
      }
    }
  });

  it('a skipped time rings at the end of the gap that day, and at its normal time the next', () => {
    const gapDay = nextOccurrence(utc('2026-03-07T07:30:00Z'), '02:30', 'America/New_York', 'daily');
    expect(iso(gapDay)).toBe('2026-03-08T07:00:00.000Z'); // 03:00 EDT
    expect(iso(nextOccurrence(gapDay!, '02:30', 'America/New_York', 'daily'))).toBe('2026-03-09T06:30:00.000Z'); // 02:30 EDT
  });

  it('a repeated time rings once, at the first 01:30', () => {
    const first = nextOccurrence(utc('2026-10-31T05:30:00Z'), '01:30', 'America/New_York', 'daily');
    expect(iso(first)).toBe('2026-11-01T05:30:00.000Z');
    expect(iso(nextOccurrence(first!, '01:30', 'America/New_York', 'daily'))).toBe('2026-11-02T06:30:00.000Z'); // 01:30 EST
  });

  it('in the southern hemisphere too (Sydney leaves daylight time on 5 April 2026)', () => {
    // Sat 4 April 07:00 AEDT (+11) = 3 April 20:00Z → Sun 5 April 07:00 AEST (+10) = 4 April 21:00Z
    expect(iso(nextOccurrence(utc('2026-04-03T20:00:00Z'), '07:00', 'Australia/Sydney', 'daily'))).toBe('2026-04-04T21:00:00.000Z');
  });
});

describe('nextOccurrence recurrences', () => {
  it('none does not recur', () => {
    expect(nextOccurrence(utc('2026-03-07T12:00:00Z'), '07:00', 'America/New_York', 'none')).toBeNull();
  });

  it('weekdays skips the weekend (and here the clock change with it)', () => {
    // Fri 6 March 07:00 EST → Mon 9 March 07:00 EDT
    expect(iso(nextOccurrence(utc('2026-03-06T12:00:00Z'), '07:00', 'America/New_York', 'weekdays'))).toBe('2026-03-09T11:00:00.000Z');
    // Mon → Tue
    expect(iso(nextOccurrence(utc('2026-03-09T11:00:00Z'), '07:00', 'America/New_York', 'weekdays'))).toBe('2026-03-10T11:00:00.000Z');
  });

  it('weekly keeps the weekday and the local time', () => {
    // Sundays at 07:00 London: 22 March (GMT) → 29 March (BST)
    expect(iso(nextOccurrence(utc('2026-03-22T07:00:00Z'), '07:00', 'Europe/London', 'weekly'))).toBe('2026-03-29T06:00:00.000Z');
  });

  it('skips occurrences before notBefore', () => {
    // Daily since 1 January; the dispatcher comes back on 10 March at 08:00 GMT → 11 March 07:00 GMT.
    expect(iso(nextOccurrence(utc('2026-01-01T07:00:00Z'), '07:00', 'Europe/London', 'daily', utc('2026-03-10T08:00:00Z')))).toBe(
      '2026-03-11T07:00:00.000Z',
    );
    // Weekly on Thursdays (1 January 2026 is a Thursday); back on Tuesday 10 March → Thursday 12 March.
    expect(iso(nextOccurrence(utc('2026-01-01T07:00:00Z'), '07:00', 'Europe/London', 'weekly', utc('2026-03-10T00:00:00Z')))).toBe(
      '2026-03-12T07:00:00.000Z',
    );
    // notBefore earlier than the natural next one changes nothing.
    expect(iso(nextOccurrence(utc('2026-01-01T07:00:00Z'), '07:00', 'Europe/London', 'daily', utc('2025-01-01T00:00:00Z')))).toBe(
      '2026-01-02T07:00:00.000Z',
    );
  });

  it('refuses an unknown recurrence', () => {
    expect(() => nextOccurrence(utc('2026-01-01T07:00:00Z'), '07:00', 'Europe/London', 'monthly' as never)).toThrow(/recurrence/);
    expect(isRecurrence('weekdays')).toBe(true);
    expect(isRecurrence('monthly')).toBe(false);
  });
});

describe('firstOccurrence', () => {
  it('is today when the time is still ahead, else tomorrow', () => {
    // 10:00Z on 8 March = 06:00 EDT → 07:00 EDT today
    expect(iso(firstOccurrence(utc('2026-03-08T10:00:00Z'), '07:00', 'America/New_York', 'daily'))).toBe('2026-03-08T11:00:00.000Z');
    // 12:00Z = 08:00 EDT → tomorrow 07:00 EDT
    expect(iso(firstOccurrence(utc('2026-03-08T12:00:00Z'), '07:00', 'America/New_York', 'none'))).toBe('2026-03-09T11:00:00.000Z');
  });

  it('uses the local date, not the UTC date', () => {
    // 23:30Z on 14 July is 09:30 on 15 July in Sydney (+10) → 07:00 on 16 July = 15 July 21:00Z
    expect(iso(firstOccurrence(utc('2026-07-14T23:30:00Z'), '07:00', 'Australia/Sydney', 'daily'))).toBe('2026-07-15T21:00:00.000Z');
  });

  it('starts weekday bookings on a weekday', () => {
    // Saturday 7 March → Monday 9 March 07:00 EDT
    expect(iso(firstOccurrence(utc('2026-03-07T09:00:00Z'), '07:00', 'America/New_York', 'weekdays'))).toBe('2026-03-09T11:00:00.000Z');
  });
});

describe('isTooLateToRing', () => {
  it('allows a grace period, then calls it missed', () => {
    const due = utc('2026-03-09T11:00:00Z');
    expect(isTooLateToRing(due, utc('2026-03-09T11:14:59Z'))).toBe(false);
    expect(isTooLateToRing(due, utc('2026-03-09T11:15:01Z'))).toBe(true);
    expect(isTooLateToRing(due, utc('2026-03-09T11:01:01Z'), 60)).toBe(true);
    expect(isTooLateToRing(due, utc('2026-03-09T10:00:00Z'))).toBe(false);
  });
});
