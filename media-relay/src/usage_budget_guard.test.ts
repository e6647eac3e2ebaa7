import { describe, expect, it } from 'vitest';
import type { ServiceRate } from '../../core/src/pricing.ts';
import { InMemoryCallStore } from './call_store.ts';
import { UsageBudgetGuard } from './usage_budget_guard.ts';

const TTS: ServiceRate = { service: 'elevenlabs', usage: 'tts_characters', unit: 'character', usdPerUnit: '0.0001', markup: '1.5' };
const LINE: ServiceRate[] = [
  { service: 'twilio', usage: 'call_seconds', unit: 'minute', usdPerUnit: '0.014', markup: '1' },
  { service: 'twilio', usage: 'media_stream_seconds', unit: 'minute', usdPerUnit: '0.004', markup: '1' }
];

function guard(opts: { budgetCents: number | null; warnPercent?: number; onPhoneLine?: boolean; rates?: ServiceRate[]; store?: InMemoryCallStore }) {
  const store = opts.store ?? new InMemoryCallStore();
  const logs: string[] = [];
  const g = new UsageBudgetGuard({
    call: { callId: 'c1', budgetCents: opts.budgetCents, warnPercent: opts.warnPercent ?? 80 }, streamSid: 'MZ1', onPhoneLine: opts.onPhoneLine ?? false,
    rates: opts.rates ?? [TTS], store, metrics: { error: () => undefined }, log: (msg) => logs.push(msg)
  });
  return { g, store, logs };
}

describe('usage and budget guard', () => {
  it('prices each report into a cost event with its markup and a per-stream idempotency key', async () => {
    const { g, store } = guard({ budgetCents: null });
    g.record('elevenlabs', 'tts_characters', 24, 'flash');
    g.record('elevenlabs', 'tts_characters', 0, 'flash');
    await g.flush();
    expect(store.costEvents.map((e) => [e.quantity, e.costUsd, e.chargeUsd, e.idempotencyKey, e.model])).toEqual([[24, '0.0024', '0.0036', 'c1:MZ1:1', 'flash']]);
  });

  it('leaves out (and logs) usage that has no rate', async () => {
    const { g, store, logs } = guard({ budgetCents: 1 });
    g.record('deepgram', 'stt_seconds', 30, 'nova-3');
    await g.flush();
    expect(store.costEvents).toEqual([]);
    expect(logs).toEqual(['relay.cost.unpriced']);
    expect(g.check(1000)).toBeNull();
  });

  it('warns once at the warn point and stops once at the cap, comparing at most every 250 ms', () => {
    // 10 cents; each 100 characters charge 1.5 cents.
    const { g } = guard({ budgetCents: 10, warnPercent: 40 });
    g.record('elevenlabs', 'tts_characters', 200, 'flash'); // 3 cents: under 40 %
    expect(g.check(300)).toBeNull();
    g.record('elevenlabs', 'tts_characters', 100, 'flash'); // 4.5 cents, rounded up to 5: past 40 %
    expect(g.check(400)).toBeNull(); // too soon after the last comparison
    expect(g.check(600)).toEqual({ type: 'budget_warning' });
    expect(g.check(900)).toBeNull();
    g.record('elevenlabs', 'tts_characters', 400, 'flash'); // 10.5 cents
    expect(g.check(1200)).toEqual({ type: 'budget_exhausted', nowMs: 1200 });
    expect(g.check(1500)).toBeNull();
  });

  it('counts the phone line in whole minutes against the budget, and not on the softphone', () => {
    const phone = guard({ budgetCents: 2, onPhoneLine: true, rates: LINE }).g;
    const softphone = guard({ budgetCents: 2, onPhoneLine: false, rates: LINE }).g;
    // One second into the call: a whole minute of line, 1.8 cents, rounded up to 2.
    expect(phone.check(1000)).toEqual({ type: 'budget_exhausted', nowMs: 1000 });
    expect(softphone.check(1000)).toBeNull();
  });

  // Billed as Twilio bills: whole minutes, so 61 s is 120 s.
  it('records the line at the end of a phone call only', async () => {
    const phone = guard({ budgetCents: null, onPhoneLine: true, rates: LINE });
    const softphone = guard({ budgetCents: null, onPhoneLine: false, rates: LINE });
    for (const { g } of [phone, softphone]) {
      g.recordLine(61);
      await g.flush();
    }
    expect(phone.store.costEvents.map((e) => [e.usage, e.quantity, e.billedQuantity, e.model])).toEqual([
      ['call_seconds', 61, 120, 'voice'], ['media_stream_seconds', 61, 120, 'media-streams']
    ]);
    expect(softphone.store.costEvents).toEqual([]);
  });

  it('keeps events a failed write did not store, in order, for the next flush', async () => {
    const store = new InMemoryCallStore();
    const save = store.saveCostEvents.bind(store);
    let failing = true;
    store.saveCostEvents = async (events) => { if (failing) throw new Error('database down'); return save(events); };
    const { g, logs } = guard({ budgetCents: null, store });
    g.record('elevenlabs', 'tts_characters', 10, 'flash');
    await g.flush();
    g.record('elevenlabs', 'tts_characters', 20, 'flash');
    failing = false;
    await g.flush();
    expect(logs).toEqual(['relay.cost.flush_failed']);
    expect(store.costEvents.map((e) => [e.idempotencyKey, e.quantity])).toEqual([['c1:MZ1:1', 10], ['c1:MZ1:2', 20]]);
  });
});
