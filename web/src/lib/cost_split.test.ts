import { describe, expect, it } from 'vitest';
import { providerSlices, runningCostCents, totalUsd } from './cost_split.ts';

describe('providerSlices', () => {
  it('splits the total by provider, largest first, without empty providers', () => {
    const slices = providerSlices({ twilio_usd: '0.03', deepgram_usd: '0.01', cerebras_usd: 0, elevenlabs_usd: '0.06', total_usd: '0.10' });
    expect(slices.map((s) => s.name)).toEqual(['ElevenLabs', 'Twilio', 'Deepgram']);
    expect(slices.reduce((s, x) => s + x.percent, 0)).toBeCloseTo(100, 6);
    expect(slices[0]!.percent).toBeCloseTo(60, 6);
  });

  it('is empty without a breakdown', () => {
    expect(providerSlices(null)).toEqual([]);
  });
});

describe('running cost', () => {
  it('prefers what was charged, then billed credits, then provider cost rounded up', () => {
    expect(runningCostCents({ total_usd: '0.011' })).toBe(2);
    expect(runningCostCents({ total_usd: '0.02' })).toBe(2);
    expect(runningCostCents({ total_usd: '0.5', billed_credits: 40 })).toBe(40);
    expect(runningCostCents({ total_usd: '0.5' }, 7)).toBe(7);
    expect(runningCostCents(null)).toBe(0);
  });

  it('adds up providers when the total is missing', () => {
    expect(totalUsd({ twilio_usd: '0.25', openai_usd: 0.5 })).toBeCloseTo(0.75, 9);
  });
});
