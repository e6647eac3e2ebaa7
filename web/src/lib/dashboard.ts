// The signed-in home: the rows Postgres aggregated (dashboard_* functions, budget_status) turned into what the
// charts draw and the sentences that describe them. No counting happens here; only labels and wording.
import { formatProviderUsd, toUsd } from './money.ts';

export interface ActivityDay { day: string; calls: number; connected_calls: number; minutes: number | string }
export interface ProviderCost { service: string; provider_cost_usd: number | string; charged_usd: number | string; calls: number }
export interface CallLatency { call_id: string; created_at: string; persona_name: string | null; answers: number; median_ms: number; p90_ms: number; max_ms: number }

export const PROVIDER_NAMES: Record<string, string> = {
  twilio: 'Twilio (phone line)',
  deepgram: 'Deepgram (listening)',
  cerebras: 'Cerebras (thinking)',
  openai: 'OpenAI (thinking)',
  elevenlabs: 'ElevenLabs (voice)'
};

/** "2026-12-05" → "Sat 5 Dec" (a calendar day: no time zone shift). */
export function dayLabel(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  return d.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/** Axis labels for a run of days: the first, every seventh back from the last, and the last; the rest blank. */
export function sparseDayLabels(days: readonly string[]): string[] {
  const n = days.length;
  return days.map((d, i) => ((n - 1 - i) % 7 === 0 ? String(Number(d.slice(8, 10))) : ''));
}

export function minutesOf(day: ActivityDay): number {
  const n = Number(day.minutes);
  return Number.isFinite(n) ? n : 0;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export function activityTotals(days: readonly ActivityDay[]) {
  const calls = days.reduce((s, d) => s + Number(d.calls), 0);
  const connected = days.reduce((s, d) => s + Number(d.connected_calls), 0);
  const minutes = Math.round(days.reduce((s, d) => s + minutesOf(d), 0) * 10) / 10;
  return { calls, connected, minutes };
}

/** The sentence a screen reader hears for the calls-per-day chart. */
export function callsDesc(days: readonly ActivityDay[]): string {
  const { calls, connected } = activityTotals(days);
  if (calls === 0) return `No calls in the last ${plural(days.length, 'day')}.`;
  const busiest = days.reduce((a, b) => (Number(b.calls) > Number(a.calls) ? b : a));
  return `${plural(calls, 'call')} in the last ${plural(days.length, 'day')}, ${connected} connected. Busiest day: ${dayLabel(busiest.day)} with ${plural(Number(busiest.calls), 'call')}.`;
}

export function minutesDesc(days: readonly ActivityDay[]): string {
  const { minutes } = activityTotals(days);
  if (minutes === 0) return `No minutes talked in the last ${plural(days.length, 'day')}.`;
  const longest = days.reduce((a, b) => (minutesOf(b) > minutesOf(a) ? b : a));
  return `${minutes} minutes talked in the last ${plural(days.length, 'day')}. Most on ${dayLabel(longest.day)}: ${minutesOf(longest)} minutes.`;
}

export function providerDesc(rows: readonly ProviderCost[]): string {
  if (rows.length === 0) return 'No provider usage in the last 30 days.';
  const total = rows.reduce((s, r) => s + toUsd(r.charged_usd), 0);
  const parts = rows.map((r) => `${PROVIDER_NAMES[r.service] ?? r.service} ${formatProviderUsd(r.charged_usd)}`);
  return `${formatProviderUsd(total)} in the last 30 days: ${parts.join(', ')}.`;
}

/** "0.84 s" from milliseconds. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function latencyDesc(rows: readonly CallLatency[]): string {
  if (rows.length === 0) return 'No answer times recorded yet.';
  const medians = rows.map((r) => r.median_ms).sort((a, b) => a - b);
  const mid = medians[Math.floor((medians.length - 1) / 2)]!;
  const slowest = rows.reduce((a, b) => (b.p90_ms > a.p90_ms ? b : a));
  return `Median voice-to-voice time over the last ${plural(rows.length, 'call')}: ${formatSeconds(mid)} (middle call). Slowest 90th percentile: ${formatSeconds(slowest.p90_ms)}.`;
}

/** Label of one call in the latency chart: persona and when, in the user's time zone (named, as "GMT-5"). */
export function callLabel(row: CallLatency, timeZone: string): string {
  const fmt = (tz: string) => new Date(row.created_at).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: tz, timeZoneName: 'short' });
  let when: string;
  try {
    when = fmt(timeZone);
  } catch {
    // A zone this runtime does not know (the database accepts any IANA name it knows): UTC, said so.
    when = fmt('UTC');
  }
  return `${row.persona_name ?? 'Persona'}, ${when}`;
}
