import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { pageRange, parsePage } from '$lib/forms';
import { startingCredits } from '$lib/server/starting_credits';

const PAGE_SIZE = 15;

export const load: PageServerLoad = async ({ locals, url }) => {
  const page = parsePage(url.searchParams.get('page'));
  const { from, to } = pageRange(page, PAGE_SIZE);
  const [credits, ledger, starting] = await Promise.all([
    locals.supabase.from('user_credits').select('available_credits, reserved_credits, subscription_plan, subscription_status, current_period_end, cancel_at_period_end, included_monthly_credits').maybeSingle(),
    locals.supabase.from('credit_transactions').select('id, type, amount, reserved_delta, balance_after, description, call_id, created_at', { count: 'exact' }).order('id', { ascending: false }).range(from, to),
    startingCredits(locals)
  ]);
  if (credits.error) error(503, { message: 'Your balance could not be loaded right now. Reload the page in a moment.' });
  return { credits: credits.data, ledger: ledger.data ?? [], total: ledger.count ?? 0, page, pageSize: PAGE_SIZE, starting };
};
