import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import type { ActivityDay, CallLatency, ProviderCost } from '$lib/dashboard';

const DAYS = 30;
const LATENCY_CALLS = 20;

interface DashboardAnswer {
  budget: { spent_cents: number; reserved_cents: number; max_monthly_spend_cents: number; warn_at_percent_per_call: number; month_start: string } | null;
  activity: ActivityDay[];
  providers: ProviderCost[];
  latencies: CallLatency[];
  has_calls: boolean;
  timezone: string;
}

// Every figure is aggregated in Postgres (the dashboard function, under the user's own rights and policies) and
// arrives in one answer; the page only lays them out. The hook sends visitors to sign in first.
export const load: PageServerLoad = async ({ locals }) => {
  const { data, error: err } = await locals.supabase.rpc('dashboard', { p_days: DAYS, p_latency_calls: LATENCY_CALLS });
  if (err || !data) error(503, { message: 'Your dashboard could not be loaded right now. Reload the page in a moment.' });
  const d = data as unknown as DashboardAnswer;
  const b = d.budget;
  return {
    days: DAYS,
    budget: b && { spent: Number(b.spent_cents), reserved: Number(b.reserved_cents), cap: b.max_monthly_spend_cents, warnAt: b.warn_at_percent_per_call, monthStart: b.month_start },
    activity: d.activity,
    providers: d.providers,
    // Oldest first, so the chart reads left to right like the days.
    latencies: [...d.latencies].reverse(),
    hasCalls: d.has_calls,
    timeZone: d.timezone
  };
};
