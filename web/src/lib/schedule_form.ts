// Booking a call for later: a date and time on the user's wall clock in their time zone → the instant to ring.
import { firstOccurrence, isRecurrence, isValidTimeZone, localToUtc, parseLocalTime, type Recurrence } from '../../../core/src/schedule.ts';
import type { TablesInsert } from '../../../core/src/database.types.ts';
import type { FieldErrors, Parsed } from './forms.ts';

type Fields = { get(name: string): FormDataEntryValue | null };

/** The scheduled_calls columns the form writes, typed from the generated database types. */
export type ScheduleRow = Required<Pick<TablesInsert<'scheduled_calls'>,
  'persona_id' | 'scenario_template_id' | 'custom_instructions' | 'scheduled_time' | 'timezone' | 'local_time'>> & {
  phone_number_id: string;
  recurrence: Recurrence;
  max_duration_seconds: number;
  payment_method: SchedulePayment;
};

export const SCHEDULE_PAYMENTS = ['credits', 'subscription', 'card', 'demo'] as const;
export type SchedulePayment = (typeof SCHEDULE_PAYMENTS)[number];
/** The lengths offered, as on "call now"; the hold is what a call of that length may cost, within the budgets. */
export const SCHEDULE_MINUTES = [1, 2, 3, 5, 10, 15, 20, 30] as const;
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export const RECURRENCE_LABELS: Record<Recurrence, string> = {
  none: 'Just once',
  daily: 'Every day',
  weekdays: 'Weekdays (Mon–Fri)',
  weekly: 'Every week'
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseScheduleForm(f: Fields, now: Date, opts: { demoMode?: boolean } = {}): Parsed<ScheduleRow> {
  const errors: FieldErrors = {};
  const get = (n: string) => String(f.get(n) ?? '').trim();
  const persona = get('persona_id');
  const phone = get('phone_number_id');
  const scenario = get('scenario_template_id');
  const tz = get('timezone');
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(get('date'));
  const time = parseLocalTime(get('time'));
  const recurrence = get('recurrence') || 'none';
  const instructions = get('custom_instructions');
  const minutes = Number(get('max_duration_minutes') || 'NaN');
  const payment = get('payment_method');

  if (!UUID.test(persona)) errors.persona_id = 'Pick a persona to call you.';
  if (!UUID.test(phone)) errors.phone_number_id = 'Choose one of your verified numbers, or verify a number first.';
  if (scenario && !UUID.test(scenario)) errors.scenario_template_id = 'Pick a scenario from the list.';
  if (!isValidTimeZone(tz)) errors.timezone = 'That time zone is not recognised. Pick one from the list, for example Europe/London.';
  if (!date) errors.date = 'Pick a date.';
  if (!time) errors.time = 'Pick a time, for example 07:30.';
  if (!isRecurrence(recurrence)) errors.recurrence = 'Choose how often the call repeats.';
  if (instructions.length > 1000) errors.custom_instructions = 'Keep the instructions under 1,000 characters.';
  if (!(SCHEDULE_MINUTES as readonly number[]).includes(minutes)) errors.max_duration_minutes = `Choose the longest the call may last: ${SCHEDULE_MINUTES.join(', ')} minutes.`;
  if (!(SCHEDULE_PAYMENTS as readonly string[]).includes(payment) || (payment === 'demo' && !opts.demoMode)) {
    errors.payment_method = opts.demoMode ? 'Choose how to pay: credits, your subscription, a card or the demo allowance.' : 'Choose how to pay: credits, your subscription or a card.';
  }
  // A weekday series starts on a weekday: the date picked is its first call.
  if (date && recurrence === 'weekdays') {
    const d = new Date(Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3])));
    const day = d.getUTCDay();
    if (day === 0 || day === 6) {
      const monday = new Date(d.getTime() + (day === 6 ? 2 : 1) * 86_400_000);
      const name = (x: Date) => `${WEEKDAY_NAMES[x.getUTCDay()]} ${x.getUTCDate()} ${MONTHS[x.getUTCMonth()]}`;
      errors.date = `Weekday calls ring Monday to Friday, and ${name(d)} is a ${WEEKDAY_NAMES[day]}. Pick ${name(monday)} or another weekday to start.`;
    }
  }

  let at: Date | null = null;
  if (date && time && !errors.timezone) {
    try {
      at = localToUtc({ year: Number(date[1]), month: Number(date[2]), day: Number(date[3]) }, time, tz);
    } catch {
      errors.date = 'That is not a real date.';
    }
    if (at && at.getTime() <= now.getTime() + 60_000) errors.time = 'That time has already passed. Pick a time at least a minute from now.';
  }
  if (Object.keys(errors).length > 0 || !at || !time) return { ok: false, errors };
  const hh = String(time.hour).padStart(2, '0');
  const mm = String(time.minute).padStart(2, '0');
  return {
    ok: true,
    value: {
      persona_id: persona,
      scenario_template_id: scenario || null,
      phone_number_id: phone,
      custom_instructions: instructions || null,
      scheduled_time: at.toISOString(),
      timezone: tz,
      local_time: `${hh}:${mm}`,
      recurrence: recurrence as Recurrence,
      max_duration_seconds: minutes * 60,
      payment_method: payment as SchedulePayment
    }
  };
}

/** "Tue 25 Nov, 07:30" in the given zone. */
export function formatInZone(iso: string, timeZone: string): string {
  const tz = isValidTimeZone(timeZone) ? timeZone : 'UTC';
  return new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));
}

/** The date (YYYY-MM-DD in the zone) on which `time` next comes round: today if it is still ahead, else tomorrow. */
export function nextDateFor(now: Date, time: string, timeZone: string): string {
  const tz = isValidTimeZone(timeZone) ? timeZone : 'UTC';
  return todayInZone(firstOccurrence(new Date(now.getTime() + 60_000), time, tz, 'none'), tz);
}

/** Today's date in the zone as YYYY-MM-DD. */
export function todayInZone(now: Date, timeZone: string): string {
  const tz = isValidTimeZone(timeZone) ? timeZone : 'UTC';
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
