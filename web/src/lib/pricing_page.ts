// The pricing page: the provider prices in effect (price_list view, which applies the markup in SQL) with the
// markup on each, quoted the way providers quote them.
import type { Database } from '../../../core/src/database.types.ts';
import { formatMarkup, providerOf } from './priced_call.ts';
import { formatUsdExact, toUsd } from './money.ts';

/** A row of the price_list view, as generated from the database. */
export type PriceRow = Pick<Database['public']['Views']['price_list']['Row'],
  'service' | 'rate_key' | 'unit' | 'unit_price_usd' | 'markup_percent' | 'unit_price_charged_usd'>;

export interface PriceLine {
  provider: string;
  item: string;
  per: string;
  price: string;
  markup: string;
  charged: string;
}


// Quoted the way providers quote them, so the numbers stay readable: per minute, per 1,000 characters, per million tokens.
const PER: Record<string, { label: string; times: number }> = {
  minute: { label: 'per minute', times: 1 },
  second: { label: 'per second', times: 1 },
  character: { label: 'per 1,000 characters', times: 1_000 },
  token: { label: 'per million tokens', times: 1_000_000 }
};

function itemOf(service: string, rateKey: string): string {
  if (service === 'twilio') return rateKey === 'client_voice_sdk' ? 'browser call line' : rateKey === 'media_streams' ? 'call audio stream' : 'phone line';
  if (service === 'deepgram') return 'speech to text';
  if (service === 'elevenlabs') return 'voice';
  if (rateKey.endsWith('_input')) return 'language model, input';
  if (rateKey.endsWith('_output')) return 'language model, output';
  return rateKey;
}

/** One line per price in effect, grouped by provider. */
export function priceLines(rows: readonly PriceRow[]): PriceLine[] {
  return rows
    .filter((r) => r.service && r.rate_key)
    .map((r) => {
      const per = PER[r.unit ?? ''] ?? { label: `per ${r.unit}`, times: 1 };
      return {
        provider: providerOf(r.service).name,
        item: itemOf(r.service!, r.rate_key!),
        per: per.label,
        price: formatUsdExact(toUsd(r.unit_price_usd) * per.times),
        markup: formatMarkup(r.markup_percent),
        charged: formatUsdExact(toUsd(r.unit_price_charged_usd) * per.times)
      };
    })
    .sort((a, b) => a.provider.localeCompare(b.provider) || a.item.localeCompare(b.item));
}

/** "30%" when every price carries the same markup, else "20% to 30%"; null without prices. */
export function markupRange(rows: readonly PriceRow[]): string | null {
  const values = rows.map((r) => Number(r.markup_percent ?? 0)).filter(Number.isFinite);
  if (values.length === 0) return null;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pct = (n: number) => `${Number(n.toFixed(2))}%`;
  return lo === hi ? pct(lo) : `${pct(lo)} to ${pct(hi)}`;
}
