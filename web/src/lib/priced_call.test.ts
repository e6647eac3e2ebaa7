import { describe, expect, it } from 'vitest';
import { explainCharge, formatMarkup, pricedLines, providerOf } from './priced_call.ts';

// Call A of the database test: Deepgram and ElevenLabs at 30 %, one event priced without a rate.
const LINES = [
  { service: 'cerebras', markup_percent: 0, provider_cost_usd: 0.001, charged_usd: 0.001 },
  { service: 'deepgram', markup_percent: 30, provider_cost_usd: 0.0123456789, charged_usd: 0.01604938257 },
  { service: 'elevenlabs', markup_percent: 30.0, provider_cost_usd: 0.01, charged_usd: 0.013 }
];
const SETTLED = { payment_method: 'credits', charged_usd_exact: 0.03004938257, rounded_up_cents: 4, charged_cents: 4, held_cents: 100, released_cents: 96 };

describe('pricedLines', () => {
  it('shows each provider with its exact cost, markup and charge (at least four decimals), the largest charge first', () => {
    expect(pricedLines(LINES)).toEqual([
      { name: 'Deepgram', role: 'speech to text', cost: '$0.0123456789', markup: '+30%', charged: '$0.01604938257' },
      { name: 'ElevenLabs', role: 'voice', cost: '$0.0100', markup: '+30%', charged: '$0.0130' },
      { name: 'Cerebras', role: 'language model', cost: '$0.0010', markup: '+0%', charged: '$0.0010' }
    ]);
  });

  it('names a provider it does not know by its key', () => {
    expect(providerOf('acme')).toEqual({ name: 'acme', role: 'other usage' });
    expect(formatMarkup(12.5)).toBe('+12.5%');
    expect(formatMarkup('30.00')).toBe('+30%');
  });
});

describe('explainCharge', () => {
  it('rounds the total up once, shows what the ledger charged and what the hold gave back', () => {
    const x = explainCharge(LINES, SETTLED);
    expect(x.providerCost).toBe('$0.0233456789');
    expect(x.exact).toBe('$0.03004938257');
    expect(x.total).toBe('4 credits ($0.04)');
    expect(x.rounding).toBe('Rounded up to the whole cent once per call, on the total: $0.03004938257 becomes $0.04.');
    expect(x.hold).toBe('Held when the call started: 100 credits; released when it settled: 96 credits.');
  });

  it('says when the charge was capped at the hold', () => {
    const x = explainCharge(LINES, { ...SETTLED, charged_usd_exact: 0.065, rounded_up_cents: 7, charged_cents: 2, held_cents: 2, released_cents: 0 });
    expect(x.total).toBe('2 credits ($0.02)');
    expect(x.rounding).toBe('Rounded up to the whole cent once per call, on the total: $0.0650 becomes $0.07, capped at the 2 credits held for the call; the other $0.05 is on us.');
  });

  it('explains a card hold, a demo call and a call not settled yet', () => {
    const card = explainCharge(LINES, { ...SETTLED, payment_method: 'card', held_cents: 120, released_cents: 116 });
    expect(card.total).toBe('$0.04');
    expect(card.hold).toBe('Authorised on your card: $1.20; released when it settled: $1.16.');
    const demo = explainCharge(LINES, { ...SETTLED, payment_method: 'demo', held_cents: null, released_cents: null });
    expect(demo.total).toBe('$0.04 (demo: not billed)');
    expect(demo.rounding).toMatch(/Demo call: nothing was billed\.$/);
    expect(demo.hold).toBeNull();
    const open = explainCharge(LINES, { ...SETTLED, charged_cents: null, released_cents: null });
    expect(open.total).toBeNull();
    expect(open.hold).toBe('Held when the call started: 100 credits, until the call settles.');
  });
});
