import { describe, expect, it } from 'vitest';
import { formatInZone, nextDateFor, parseScheduleForm, todayInZone } from './schedule_form.ts';

const P = '11111111-1111-4111-8111-111111111111';
const N = '22222222-2222-4222-8222-222222222222';
const now = new Date('2026-11-24T12:00:00Z');
const form = (o: Record<string, string>) => new URLSearchParams({ persona_id: P, phone_number_id: N, timezone: 'America/New_York', date: '2026-11-25', time: '07:30', recurrence: 'weekdays', max_duration_minutes: '5', payment_method: 'credits', ...o });

describe('parseScheduleForm', () => {
  it('refuses a weekday series that would start on a weekend, and names the Monday', () => {
    const sunday = parseScheduleForm(form({ date: '2026-11-29' }), now);
    expect(!sunday.ok && sunday.errors.date).toBe('Weekday calls ring Monday to Friday, and Sunday 29 November is a Sunday. Pick Monday 30 November or another weekday to start.');
    const saturday = parseScheduleForm(form({ date: '2026-11-28' }), now);
    expect(!saturday.ok && saturday.errors.date).toMatch(/Saturday 28 November is a Saturday\. Pick Monday 30 November/);
    // Every day, or just once, may start on a Sunday.
    expect(parseScheduleForm(form({ date: '2026-11-29', recurrence: 'daily' }), now).ok).toBe(true);
  });

  it('keeps the longest call and how it is paid, and refuses anything else', () => {
    const r = parseScheduleForm(form({ max_duration_minutes: '2', payment_method: 'card' }), now);
    expect(r.ok && [r.value.max_duration_seconds, r.value.payment_method]).toEqual([120, 'card']);
    const bad = parseScheduleForm(form({ max_duration_minutes: '45', payment_method: 'demo' }), now);
    expect(!bad.ok && bad.errors.max_duration_minutes).toMatch(/longest the call may last/);
    expect(!bad.ok && bad.errors.payment_method).toBe('Choose how to pay: credits, your subscription or a card.');
    expect(parseScheduleForm(form({ payment_method: 'demo' }), now, { demoMode: true }).ok).toBe(true);
    const missing = parseScheduleForm(form({ max_duration_minutes: '', payment_method: '' }), now);
    expect(!missing.ok && Object.keys(missing.errors).sort()).toEqual(['max_duration_minutes', 'payment_method']);
  });

  it('books the wall-clock time in the user\u2019s zone', () => {
    const r = parseScheduleForm(form({}), now);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.scheduled_time).toBe('2026-11-25T12:30:00.000Z'); // 07:30 EST = 12:30 UTC
      expect(r.value.local_time).toBe('07:30');
      expect(r.value.recurrence).toBe('weekdays');
      expect(r.value.scenario_template_id).toBeNull();
    }
  });

  it('follows daylight saving time', () => {
    const r = parseScheduleForm(form({ date: '2027-07-01', timezone: 'Europe/London', time: '07:00' }), now);
    expect(r.ok && r.value.scheduled_time).toBe('2027-07-01T06:00:00.000Z');
  });

  it('refuses a time in the past, an unknown zone and a missing number', () => {
    const past = parseScheduleForm(form({ date: '2026-11-24', time: '06:00' }), now);
    expect(!past.ok && past.errors.time).toMatch(/already passed/);
    const zone = parseScheduleForm(form({ timezone: 'Mars/Olympus' }), now);
    expect(!zone.ok && zone.errors.timezone).toMatch(/not recognised/);
    const number = parseScheduleForm(form({ phone_number_id: '' }), now);
    expect(!number.ok && number.errors.phone_number_id).toMatch(/verified/);
    const rec = parseScheduleForm(form({ recurrence: 'hourly' }), now);
    expect(!rec.ok && rec.errors.recurrence).toBeTruthy();
  });
});

describe('zone formatting', () => {
  it('shows times and dates on the user\u2019s clock', () => {
    expect(formatInZone('2026-11-25T12:30:00Z', 'America/New_York')).toMatch(/25 Nov.*07:30/);
    expect(todayInZone(new Date('2026-11-24T23:30:00Z'), 'Asia/Tokyo')).toBe('2026-11-25');
  });

  it('defaults the date to the next time the chosen time comes round', () => {
    expect(nextDateFor(new Date('2026-11-24T12:00:00Z'), '07:30', 'America/New_York')).toBe('2026-11-24'); // 07:00 there: 07:30 is still ahead
    expect(nextDateFor(new Date('2026-11-24T12:00:00Z'), '06:30', 'America/New_York')).toBe('2026-11-25');
    expect(nextDateFor(new Date('2026-11-24T10:00:00Z'), '07:30', 'America/New_York')).toBe('2026-11-24'); // 05:00 there
  });
});
