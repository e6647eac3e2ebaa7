// The relay's Prometheus endpoint while a real demo call runs through the whole stack: the active-calls gauge rises
// during the call and falls after it, and the admitted, ended and turn-latency series move by what the call did.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../devstack/src/config.ts';
import { placeCall, signedInUserWithNumber, waitForPayment } from '../../devstack/src/testing/demo_calls.ts';
import { ensureRelay } from '../../devstack/src/testing/relay_process.ts';
import { stack } from '../../devstack/src/testing/stack_env.ts';

const RELAY = `http://127.0.0.1:${config.relayPort}`;
const db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
let relay: { stop: () => Promise<void> };

/** Every sample of the exposition by its series, e.g. `relay_calls_ended_total{reason="persona_hung_up"}`. */
async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`${RELAY}/metrics`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

const value = (s: Map<string, number>, series: string) => s.get(series) ?? 0;

beforeAll(async () => {
  relay = await ensureRelay();
});

afterAll(async () => {
  await relay.stop();
  await db.end();
});

describe('relay metrics during a demo call', () => {
  it('the gauge and counters move with the call', { timeout: 150_000 }, async () => {
    const ready = await fetch(`${RELAY}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, failing: [], checks: { database: { ok: true }, deepgram: { ok: true }, elevenlabs: { ok: true }, llm: { ok: true } } });

    const before = await scrape();
    const u = await signedInUserWithNumber('metrics');
    const { callId } = await placeCall(u);

    await expect.poll(async () => value(await scrape(), 'relay_active_calls'), { timeout: 60_000, interval: 200 }).toBeGreaterThan(value(before, 'relay_active_calls'));
    const during = await scrape();
    expect(value(during, 'relay_calls_admitted_total')).toBe(value(before, 'relay_calls_admitted_total') + 1);

    const call = await waitForPayment(db, callId);
    expect(call.end_reason).toBe('persona_hung_up');
    // The relay has written the call (finish, then settlement request) before it counts it as ended.
    await expect.poll(async () => value(await scrape(), 'relay_active_calls'), { timeout: 30_000, interval: 200 }).toBe(value(before, 'relay_active_calls'));
    const after = await scrape();
    const ended = 'relay_calls_ended_total{reason="persona_hung_up"}';
    expect(value(after, ended)).toBe(value(before, ended) + 1);
    // The callee spoke at least once and the persona answered: at least one turn latency was observed.
    expect(value(after, 'relay_turn_latency_seconds_count')).toBeGreaterThan(value(before, 'relay_turn_latency_seconds_count'));
    expect(value(after, 'relay_turn_latency_seconds_sum')).toBeGreaterThan(value(before, 'relay_turn_latency_seconds_sum'));
    expect(value(after, 'relay_turn_latency_seconds_bucket{le="+Inf"}')).toBe(value(after, 'relay_turn_latency_seconds_count'));
    // The process's own series are there for capacity planning (event-loop lag is what a saturated relay shows first).
    expect(after.has('relay_nodejs_eventloop_lag_seconds')).toBe(true);
  });
});
