import { describe, expect, it } from 'vitest';
import { formatMs, percentile, summarise, type TurnLatencyRow } from './turn_latency';

const row = (turn: number, v2v: number | null, extra: Partial<TurnLatencyRow> = {}): TurnLatencyRow => ({
  turn, stt_final_ms: 300, llm_first_token_ms: 250, tts_first_byte_ms: 100, voice_to_voice_ms: v2v, interrupted: false, preemptive: false, acknowledged: false, ...extra
});

describe('turn latency summary', () => {
  it('takes nearest-rank percentiles', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 95)).toBe(19);
    expect(percentile([], 50)).toBeNull();
  });

  it('summarises each stage over the answers that had it, and counts how the answers went', () => {
    const s = summarise([row(2, 400, { preemptive: true }), row(3, 600), row(4, null, { interrupted: true, llm_first_token_ms: null }), row(5, 900, { acknowledged: true })]);
    expect(s).toMatchObject({ answers: 4, interrupted: 1, preemptive: 1, acknowledged: 1 });
    expect(s.stages[0]).toEqual({ label: 'Voice to voice', p50: 600, p95: 900 });
    expect(s.stages[2]).toEqual({ label: 'First word of the answer', p50: 250, p95: 250 });
  });

  it('formats milliseconds, seconds and missing values', () => {
    expect([formatMs(420.4), formatMs(1530), formatMs(null)]).toEqual(['420 ms', '1.53 s', '–']);
  });
});
