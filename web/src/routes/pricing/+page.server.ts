import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  const prices = await locals.supabase
    .from('price_list')
    .select('service, rate_key, unit, unit_price_usd, markup_percent, unit_price_charged_usd')
    .order('service')
    .order('rate_key');
  if (prices.error) error(503, { message: 'The prices could not be loaded right now. Reload the page in a moment.' });
  return { prices: prices.data };
};
