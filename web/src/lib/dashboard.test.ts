import { describe, expect, it } from 'vitest';
import { activityTotals, callLabel, callsDesc, dayLabel, latencyDesc, minutesDesc, providerDesc, sparseDayLabels, type ActivityDay } from './dashboard';

const days = (rows: [string, number, number, number][]): ActivityDay[] =>
  rows.map(([day, calls, connected_calls, minutes]) => ({ day, calls, connected_calls, minutes: String(minutes) }));

describe('dashboard wording', () => {
  const d = days([['2026-12-03', 0, 0, 0], ['2026-12-04', 3, 2, 7.5], ['2026-12-05', 1, 1, 1.2]]);

  it('adds up the days Postgres counted', () => {
    expect(activityTotals(d)).toEqual({ calls: 4, connected: 3, minutes: 8.7 });
  });

  it('describes the calls and minutes charts with totals and the busiest day', () => {
    expect(dayLabel('2026-12-04')).toBe('Fri 4 Dec');
    expect(callsDesc(d)).toBe('4 calls in the last 3 days, 3 connected. Busiest day: Fri 4 Dec with 3 calls.');
    expect(minutesDesc(d)).toBe('8.7 minutes talked in the last 3 days. Most on Fri 4 Dec: 7.5 minutes.');
    expect(callsDesc(days([['2026-12-05', 0, 0, 0]]))).toBe('No calls in the last 1 day.');
  });

  it('labels a call\'s time in the user\'s time zone, naming the zone', () => {
    const row = { call_id: 'c', created_at: '2026-12-05T15:08:42+00:00', persona_name: 'Brad', answers: 3, median_ms: 500, p90_ms: 700, max_ms: 900 };
    expect(callLabel(row, 'America/New_York')).toBe('Brad, 5 Dec, 10:08 GMT-5');
    expect(callLabel(row, 'Asia/Kolkata')).toBe('Brad, 5 Dec, 20:38 GMT+5:30');
    expect(callLabel({ ...row, persona_name: null }, 'UTC')).toBe('Persona, 5 Dec, 15:08 UTC');
    expect(callLabel(row, 'Not/AZone')).toBe('Brad, 5 Dec, 15:08 UTC');
  });

  it('labels every seventh day back from today', () => {
    const run = Array.from({ length: 15 }, (_, i) => `2026-11-${String(i + 10).padStart(2, '0')}`);
    expect(sparseDayLabels(run).filter(Boolean)).toEqual(['10', '17', '24']);
  });

  it('describes provider costs and latencies, and says so when there are none', () => {
    expect(providerDesc([])).toBe('No provider usage in the last 30 days.');
    expect(providerDesc([{ service: 'twilio', provider_cost_usd: '0.05', charged_usd: '0.065', calls: 2 }])).toBe(
      '$0.065 in the last 30 days: Twilio (phone line) $0.065.'
    );
    expect(latencyDesc([])).toBe('No answer times recorded yet.');
    expect(latencyDesc([
      { call_id: 'a', created_at: '2026-12-05T10:00:00Z', persona_name: 'Brad', answers: 3, median_ms: 700, p90_ms: 900, max_ms: 900 },
      { call_id: 'b', created_at: '2026-12-04T10:00:00Z', persona_name: 'Brad', answers: 2, median_ms: 1200, p90_ms: 2500, max_ms: 2500 }
    ])).toBe('Median voice-to-voice time over the last 2 calls: 0.70 s (middle call). Slowest 90th percentile: 2.50 s.');
  });
});
