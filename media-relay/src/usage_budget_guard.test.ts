import { describe, expect, it } from 'vitest';
import { InMemoryCallStore, type UsageReport } from './call_store.ts';
import { UsageBudgetGuard } from './usage_budget_guard.ts';

// The store answers the running charge; here each TTS character charges 0.015 cents and the line nothing.
const perCharacter = (r: UsageReport) => (r.usage === 'tts_characters' ? r.quantity * 0.015 : 0);

function guard(opts: { cutoffCents: number | null; warnCents?: number | null; store?: InMemoryCallStore; maxDurationSeconds?: number }) {
  const store = opts.store ?? new InMemoryCallStore({ chargeOf: perCharacter });
  const call = { callId: 'c1', cutoffCents: opts.cutoffCents, warnCents: opts.warnCents ?? null, maxDurationSeconds: opts.maxDurationSeconds };
  store.calls.set('c1', { ...call, personaName: 'P', systemPrompt: '', voiceId: 'v', maxDurationSeconds: 600 });
  const logs: string[] = [];
  const g = new UsageBudgetGuard({ call, streamSid: 'MZ1', store, metrics: { error: () => undefined }, log: (msg) => logs.push(msg) });
  return { g, store, logs };
}

describe('usage and budget guard', () => {
  it('reports quantities only, with a per-stream idempotency key, and the line seconds', async () => {
    const { g, store } = guard({ cutoffCents: null });
    g.record('elevenlabs', 'tts_characters', 24, 'flash');
    g.record('elevenlabs', 'tts_characters', 0, 'flash');
    await g.flush(12.5);
    expect(store.usage.map((u) => [u.usage, u.quantity, u.key, u.model])).toEqual([['tts_characters', 24, 'c1:MZ1:1', 'flash']]);
    expect(store.lineSeconds.get('c1')).toBe(12.5);
  });

  it('warns once at the warn point and stops once at the cut-off point, from the charge the store answered', async () => {
    const { g } = guard({ cutoffCents: 10, warnCents: 4 });
    g.record('elevenlabs', 'tts_characters', 200, 'flash'); // 3 cents
    expect(g.check(100)).toBeNull(); // not yet flushed: nothing known
    await g.flush(1);
    expect(g.check(200)).toBeNull();
    g.record('elevenlabs', 'tts_characters', 100, 'flash'); // 4.5 cents
    await g.flush(2);
    expect(g.check(300)).toEqual({ type: 'budget_warning' });
    expect(g.check(400)).toBeNull();
    g.record('elevenlabs', 'tts_characters', 400, 'flash'); // 10.5 cents
    await g.flush(3);
    expect(g.running.chargeCents).toBeCloseTo(10.5);
    expect(g.check(500)).toEqual({ type: 'budget_exhausted', nowMs: 500 });
    expect(g.check(600)).toBeNull();
  });

  it('says about a minute is left before the time limit, at every check until the call ends', async () => {
    const { g } = guard({ cutoffCents: null, maxDurationSeconds: 120 });
    expect(g.check(50_000)).toBeNull();
    // The call ends 5 s before Twilio's limit, so a minute before that is 55 s in.
    expect(g.check(55_000)).toEqual({ type: 'closing_soon', nowMs: 55_000 });
    expect(g.check(56_000)).toEqual({ type: 'closing_soon', nowMs: 56_000 });
  });

  it('says about a minute is left when the spending so far reaches the cut-off within a minute', async () => {
    const { g } = guard({ cutoffCents: 100, warnCents: 90, maxDurationSeconds: 1800 });
    g.record('elevenlabs', 'tts_characters', 2000, 'flash'); // 30 cents in 60 s: 70 cents more take 140 s
    await g.flush(60);
    expect(g.check(60_000)).toBeNull();
    g.record('elevenlabs', 'tts_characters', 2000, 'flash'); // 60 cents in 100 s: 40 more take 67 s
    await g.flush(100);
    expect(g.check(100_000)).toBeNull();
    g.record('elevenlabs', 'tts_characters', 500, 'flash'); // 67.5 cents in 110 s: 32.5 more take 53 s
    await g.flush(110);
    expect(g.check(110_000)).toEqual({ type: 'closing_soon', nowMs: 110_000 });
    // The first seconds' rate (the greeting) is not projected.
    const early = guard({ cutoffCents: 100, maxDurationSeconds: 1800 }).g;
    early.record('elevenlabs', 'tts_characters', 2000, 'flash');
    await early.flush(5);
    expect(early.check(5_000)).toBeNull();
  });

  it('takes the cut-off point the store answers (a limit lowered during the call)', async () => {
    const { g, store } = guard({ cutoffCents: 100 });
    g.record('elevenlabs', 'tts_characters', 200, 'flash'); // 3 cents
    await g.flush(1);
    expect(g.check(100)).toBeNull();
    store.calls.set('c1', { ...store.calls.get('c1')!, cutoffCents: 3 });
    await g.flush(2);
    expect(g.check(200)).toEqual({ type: 'budget_exhausted', nowMs: 200 });
  });

  it('keeps reports a failed write did not store, in order, for the next flush', async () => {
    const store = new InMemoryCallStore();
    const record = store.recordUsage.bind(store);
    let failing = true;
    store.recordUsage = async (id, reports, line) => { if (failing) throw new Error('database down'); return record(id, reports, line); };
    const { g, logs } = guard({ cutoffCents: null, store });
    g.record('elevenlabs', 'tts_characters', 10, 'flash');
    await g.flush(1);
    g.record('elevenlabs', 'tts_characters', 20, 'flash');
    failing = false;
    await g.flush(2);
    expect(logs).toEqual(['relay.cost.flush_failed']);
    expect(store.usage.map((u) => [u.key, u.quantity])).toEqual([['c1:MZ1:1', 10], ['c1:MZ1:2', 20]]);
  });
});
