// Current provider prices from service_rates, in the shape core's pricing helpers take.
import { toServiceRates, type RateRow, type ServiceRate } from '../../core/src/pricing.ts';
import type { Queryable } from './queryable.ts';

export async function currentRates(db: Queryable): Promise<ServiceRate[]> {
  const r = await db.query<RateRow & Record<string, unknown>>(
    `select service, rate_key, unit, unit_price_usd::text, markup_percent::text from public.service_rates
      where effective_from <= now() and (effective_to is null or effective_to > now())`
  );
  return toServiceRates(r.rows);
}
