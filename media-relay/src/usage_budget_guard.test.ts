import { describe, expect, it } from 'vitest';
import { InMemoryCallStore, type UsageReport } from './call_store.ts';
import { UsageBudgetGuard } from './usage_budget_guard.ts';

// The store answers the running charge; here each TTS character charges 0.015 cents and the line nothing.
const perCharacter = (r: UsageReport) => (r.usage === 'tts_characters' ? r.quantity * 0.015 : 0);

function guard(opts: { cutoffCents: number | null; warnCents?: number | null; store?: InMemoryCallStore }) {
  const store = opts.store ?? new InMemoryCallStore({ chargeOf: perCharacter });
  const call = { callId: 'c1', cutoffCents: opts.cutoffCents, warnCents: opts.warnCents ?? null };
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
