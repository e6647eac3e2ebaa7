import { describe, expect, it } from 'vitest';
import { RelayMetrics } from './metrics.ts';

/** The value of one sample line of Prometheus' text format, e.g. `relay_vendor_errors_total{vendor="deepgram"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('relay metrics', () => {
  it('exposes active calls, calls by end reason, vendor errors and dropped frames by label', async () => {
    const m = new RelayMetrics();
    m.callAdmitted();
    m.callAdmitted();
    m.callEnded('persona_hung_up');
    m.vendorError('deepgram');
    m.vendorError('deepgram');
    m.vendorError('openai');
    m.frameDropped('outbound', 'line_stalled');
    m.malformedFrame();
    const { contentType, body } = await m.exposition();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(body, 'relay_active_calls')).toBe(1);
    expect(sample(body, 'relay_calls_admitted_total')).toBe(2);
    expect(sample(body, 'relay_calls_ended_total{reason="persona_hung_up"}')).toBe(1);
    expect(sample(body, 'relay_vendor_errors_total{vendor="deepgram"}')).toBe(2);
    expect(sample(body, 'relay_vendor_errors_total{vendor="openai"}')).toBe(1);
    expect(sample(body, 'relay_frames_dropped_total{direction="outbound",reason="line_stalled"}')).toBe(1);
    expect(sample(body, 'relay_frames_dropped_total{direction="inbound",reason="malformed"}')).toBe(1);
    expect(m.snapshot()).toMatchObject({ active_calls: 1, calls_admitted: 2, vendor_errors: { deepgram: 2, openai: 1 }, malformed_frames: 1 });
  });

  it('records turn latency as a histogram in seconds', async () => {
    const m = new RelayMetrics();
    for (const ms of [400, 700, 1200, 6000]) m.recordTurnLatency(ms);
    const { body } = await m.exposition();
    expect(sample(body, 'relay_turn_latency_seconds_count')).toBe(4);
    expect(sample(body, 'relay_turn_latency_seconds_sum')).toBeCloseTo(8.3);
    expect(sample(body, 'relay_turn_latency_seconds_bucket{le="0.5"}')).toBe(1);
    expect(sample(body, 'relay_turn_latency_seconds_bucket{le="1.5"}')).toBe(3);
    expect(sample(body, 'relay_turn_latency_seconds_bucket{le="+Inf"}')).toBe(4);
    expect(m.turnLatencies()).toEqual([400, 700, 1200, 6000]);
  });

  it('keeps each server\'s metrics apart, and adds process metrics only when asked', async () => {
    const a = new RelayMetrics();
    const b = new RelayMetrics({ processMetrics: true });
    a.callAdmitted();
    expect(sample((await a.exposition()).body, 'relay_calls_admitted_total')).toBe(1);
    const bBody = (await b.exposition()).body;
    expect(sample(bBody, 'relay_calls_admitted_total')).toBe(0);
    expect(bBody).toMatch(/^relay_process_cpu_seconds_total /m);
    expect(bBody).toMatch(/^relay_nodejs_eventloop_lag_seconds /m);
    expect((await a.exposition()).body).not.toMatch(/process_cpu/);
  });
});
