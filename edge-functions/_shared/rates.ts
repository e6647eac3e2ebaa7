// Current provider prices from service_rates, in the shape core's pricing helpers take.
import { usageOfRateKey, type ServiceRate } from '../../core/src/pricing.ts';
import type { Queryable } from './queryable.ts';

interface RateRow {
  service: ServiceRate['service'];
  rate_key: string;
  unit: 'minute' | 'second' | 'character' | 'token';
  unit_price_usd: string;
  markup_percent: string;
}

export function toServiceRates(rows: RateRow[]): ServiceRate[] {
  const out: ServiceRate[] = [];
  for (const r of rows) {
    const usage = usageOfRateKey(r.service, r.rate_key);
    if (!usage) continue;
    const markup = (1 + Number(r.markup_percent) / 100).toFixed(4);
    out.push({ service: r.service, usage, unit: r.unit, usdPerUnit: r.unit_price_usd, markup });
  }
  return out;
}

export async function currentRates(db: Queryable): Promise<ServiceRate[]> {
  const r = await db.query<RateRow & Record<string, unknown>>(
    `select service, rate_key, unit, unit_price_usd::text, markup_percent::text from public.service_rates
      where effective_from <= now() and (effective_to is null or effective_to > now())`
  );
  return toServiceRates(r.rows);
}
