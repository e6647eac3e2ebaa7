// The pricing page: the provider prices in effect (price_list view) with the markup on each, and a worked example
// of one call priced by the same estimate the app shows before a call (core's estimateCall), step by step.
import { estimateCall, toServiceRates, usageOfRateKey, type RateRow, type UsageKind } from '../../../core/src/pricing.ts';
import { usdToDecimal } from '../../../core/src/money.ts';
import { formatMarkup, providerOf } from './priced_call.ts';
import { formatCredits, formatUsd, formatUsdExact, toUsd } from './money.ts';

export interface PriceRow {
  service: string | null;
  rate_key: string | null;
  unit: string | null;
  unit_price_usd: string | number | null;
  markup_percent: string | number | null;
  unit_price_charged_usd: string | number | null;
}

export interface PriceLine {
  provider: string;
  item: string;
  per: string;
  price: string;
  markup: string;
  charged: string;
}

const ITEM: Record<UsageKind, string> = {
  call_seconds: 'phone line',
  media_stream_seconds: 'call audio stream',
  stt_seconds: 'speech to text',
  llm_input_tokens: 'language model, input',
  llm_output_tokens: 'language model, output',
  tts_characters: 'voice'
};

// Quoted the way providers quote them, so the numbers stay readable: per minute, per 1,000 characters, per million tokens.
const PER: Record<string, { label: string; times: number }> = {
  minute: { label: 'per minute', times: 1 },
  second: { label: 'per second', times: 1 },
  character: { label: 'per 1,000 characters', times: 1_000 },
  token: { label: 'per million tokens', times: 1_000_000 }
};

function itemOf(service: string, rateKey: string): string {
  if (service === 'twilio' && rateKey === 'client_voice_sdk') return 'browser call line';
  const usage = usageOfRateKey(service, rateKey);
  return usage ? ITEM[usage] : rateKey;
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

export interface ExampleLine {
  provider: string;
  item: string;
  usage: string;
  cost: string;
  markup: string;
  charged: string;
}

export interface WorkedExample {
  minutes: number;
  lines: ExampleLine[];
  cost: string;
  exact: string;
  rounded: string;
  credits: string;
}

function usageText(kind: UsageKind, billed: number): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  if (kind === 'call_seconds' || kind === 'media_stream_seconds' || kind === 'stt_seconds') return `${n(billed / 60)} min`;
  if (kind === 'tts_characters') return `${n(billed)} characters`;
  return `${n(billed)} tokens`;
}

/**
 * A phone call of `minutes` priced with the rates in effect, the way the app estimates it before a call: each usage
 * line's provider cost and its cost with the markup, their sum, and the sum rounded up to whole cents once.
 * null when the prices the estimate needs are missing.
 */
export function workedExample(rows: readonly PriceRow[], minutes = 3): WorkedExample | null {
  const rates = toServiceRates(rows.flatMap((r) => (r.service && r.rate_key && r.unit && r.unit_price_usd != null
    ? [{ service: r.service as RateRow['service'], rate_key: r.rate_key, unit: r.unit as RateRow['unit'], unit_price_usd: String(r.unit_price_usd), markup_percent: String(r.markup_percent ?? 0) }]
    : [])));
  let estimate: ReturnType<typeof estimateCall>;
  try {
    estimate = estimateCall(rates, minutes * 60);
  } catch {
    return null;
  }
  const markupOf = (service: string, usage: UsageKind) => {
    const rate = rates.find((r) => r.service === service && r.usage === usage);
    return formatMarkup(rate ? (Number(rate.markup) - 1) * 100 : 0);
  };
  return {
    minutes,
    lines: estimate.lines.map((l) => ({
      provider: providerOf(l.service).name,
      item: ITEM[l.usage],
      usage: usageText(l.usage, l.billedQuantity),
      cost: formatUsdExact(usdToDecimal(l.costUsd)),
      markup: markupOf(l.service, l.usage),
      charged: formatUsdExact(usdToDecimal(l.chargeUsd))
    })),
    cost: formatUsdExact(usdToDecimal(estimate.costUsd)),
    exact: formatUsdExact(usdToDecimal(estimate.chargeUsd)),
    rounded: formatUsd(estimate.cents),
    credits: formatCredits(estimate.cents)
  };
}
