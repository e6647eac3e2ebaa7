import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { pageRange, parsePage } from '$lib/forms';
import { startingCredits } from '$lib/server/starting_credits';

const PAGE_SIZE = 15;
const CHARGES_SHOWN = 20;

export const load: PageServerLoad = async ({ locals, url }) => {
  const page = parsePage(url.searchParams.get('page'));
  const { from, to } = pageRange(page, PAGE_SIZE);
  const [credits, ledger, starting, card, charges] = await Promise.all([
    locals.supabase.from('user_credits').select('available_credits, reserved_credits, subscription_plan, subscription_status, current_period_end, cancel_at_period_end, included_monthly_credits').maybeSingle(),
    // One line per call (hold and settlement folded), one per other movement.
    locals.supabase.from('ledger_by_call')
      .select('line_id, kind, call_id, call_state, change, held_credits, released_credits, balance_after, persona_name, description, created_at, entries', { count: 'exact' })
      .order('line_id', { ascending: false }).range(from, to),
    startingCredits(locals),
    locals.supabase.from('payment_cards').select('brand, last4, exp_month, exp_year').maybeSingle(),
    // Card charges and refunds as Stripe reported them, newest first.
    locals.supabase.from('card_charges')
      .select('stripe_charge_id, purpose, currency, amount_cents, captured_cents, refund_cents, status, charged_at')
      .order('charged_at', { ascending: false }).limit(CHARGES_SHOWN)
  ]);
  if (credits.error) error(503, { message: 'Your balance could not be loaded right now. Reload the page in a moment.' });
  return { credits: credits.data, ledger: ledger.data ?? [], total: ledger.count ?? 0, page, pageSize: PAGE_SIZE, starting,
           card: card.data, charges: charges.data ?? [] };
};
