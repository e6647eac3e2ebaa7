// A call's provider costs split for the CostSplit chart, and its running cost against its cap.
import { percentOf, toUsd } from './money.ts';

export const PROVIDERS = [
  { key: 'twilio_usd', name: 'Twilio', role: 'phone line', color: '#f87171' },
  { key: 'deepgram_usd', name: 'Deepgram', role: 'speech to text', color: '#60a5fa' },
  { key: 'cerebras_usd', name: 'Cerebras', role: 'language model', color: '#c084fc' },
  { key: 'openai_usd', name: 'OpenAI', role: 'language model', color: '#a3e635' },
  { key: 'elevenlabs_usd', name: 'ElevenLabs', role: 'voice', color: '#fbbf24' }
] as const;

export type Breakdown = Partial<Record<(typeof PROVIDERS)[number]['key'] | 'total_usd', string | number | null>> & {
  billed_credits?: number | null;
};

export interface Slice {
  name: string;
  role: string;
  color: string;
  usd: number;
  percent: number;
}

/** One slice per provider with a cost, largest share of the total first. */
export function providerSlices(b: Breakdown | null | undefined): Slice[] {
  if (!b) return [];
  const parts = PROVIDERS.map((p) => ({ name: p.name, role: p.role, color: p.color, usd: toUsd(b[p.key]) })).filter((p) => p.usd > 0);
  const total = parts.reduce((s, p) => s + p.usd, 0);
  return parts.map((p) => ({ ...p, percent: percentOf(p.usd, total) })).sort((a, b) => b.usd - a.usd);
}

export function totalUsd(b: Breakdown | null | undefined): number {
  if (!b) return 0;
  const stated = toUsd(b.total_usd);
  return stated > 0 ? stated : PROVIDERS.reduce((s, p) => s + toUsd(b[p.key]), 0);
}

/**
 * What the call has cost so far in cents, for the meter against its cap: the billed credits once settled,
 * otherwise the provider cost so far (rounded up to a cent, as billing rounds up).
 */
export function runningCostCents(b: Breakdown | null | undefined, actualCostCents?: number | null): number {
  if (typeof actualCostCents === 'number') return actualCostCents;
  if (typeof b?.billed_credits === 'number') return b.billed_credits;
  const usd = totalUsd(b);
  return usd > 0 ? Math.ceil(usd * 100 - 1e-9) : 0;
}
