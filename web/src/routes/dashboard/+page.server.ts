import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import type { ActivityDay, CallLatency, ProviderCost } from '$lib/dashboard';

const DAYS = 30;
const LATENCY_CALLS = 20;

// Every figure is aggregated in Postgres (budget_status and the dashboard_* functions, under the user's RLS); the
// page only lays them out. The five reads go out together.
// The hook sends visitors to sign in first.
export const load: PageServerLoad = async ({ locals }) => {
  const sb = locals.supabase;
  const [budget, activity, providers, latencies, anyCall] = await Promise.all([
    sb.rpc('budget_status').maybeSingle(),
    sb.rpc('dashboard_activity', { p_days: DAYS }),
    sb.rpc('dashboard_provider_costs', { p_days: DAYS }),
    sb.rpc('dashboard_call_latencies', { p_limit: LATENCY_CALLS }),
    sb.from('calls').select('id').limit(1)
  ]);
  const failed = [budget, activity, providers, latencies, anyCall].find((r) => r.error);
  if (failed) error(503, { message: 'Your dashboard could not be loaded right now. Reload the page in a moment.' });
  const b = budget.data as { spent_cents: number; reserved_cents: number; max_monthly_spend_cents: number; warn_at_percent_per_call: number; month_start: string } | null;
  return {
    days: DAYS,
    budget: b && { spent: Number(b.spent_cents), reserved: Number(b.reserved_cents), cap: b.max_monthly_spend_cents, warnAt: b.warn_at_percent_per_call, monthStart: b.month_start },
    activity: (activity.data ?? []) as ActivityDay[],
    providers: (providers.data ?? []) as ProviderCost[],
    // Oldest first, so the chart reads left to right like the days.
    latencies: ((latencies.data ?? []) as CallLatency[]).reverse(),
    hasCalls: (anyCall.data ?? []).length > 0
  };
};
