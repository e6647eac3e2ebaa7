import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { databaseFailure } from '$lib/api_errors';
import { parseBudgetForm } from '$lib/forms';

export const load: PageServerLoad = async ({ locals }) => {
  const [settings, status] = await Promise.all([
    locals.supabase.from('user_budget_settings').select('max_cost_per_call_cents, max_monthly_spend_cents, warn_at_percent_per_call, enable_auto_cutoff').maybeSingle(),
    locals.supabase.rpc('budget_status').maybeSingle()
  ]);
  if (settings.error) error(503, { message: 'Your budget could not be loaded right now. Reload the page in a moment.' });
  return {
    settings: settings.data ?? { max_cost_per_call_cents: 1000, max_monthly_spend_cents: 10000, warn_at_percent_per_call: 75, enable_auto_cutoff: true },
    status: status.data as { spent_cents: number; reserved_cents: number; max_monthly_spend_cents: number; warn_at_percent_per_call: number; warn_reached: boolean; month_start: string } | null
  };
};

export const actions: Actions = {
  default: async ({ request, locals }) => {
    const f = await request.formData();
    const values = Object.fromEntries([...f].map(([k, v]) => [k, String(v)]));
    const parsed = parseBudgetForm(f);
    if (!parsed.ok) return fail(400, { errors: parsed.errors, values, message: 'Check the highlighted fields.' });
    const { user } = await locals.safeGetSession();
    const { error: err } = await locals.supabase.from('user_budget_settings').upsert({ user_id: user!.id, ...parsed.value }, { onConflict: 'user_id' });
    if (err) return fail(400, { errors: {}, values, message: databaseFailure(err).message });
    return { saved: true };
  }
};
