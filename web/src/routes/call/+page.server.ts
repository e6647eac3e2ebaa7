import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { CALL_MINUTE_CHOICES } from '$lib/forms';
import { ACTIVE_CALL_STATUSES } from '../../../../core/src/call_status.ts';

export const load: PageServerLoad = async ({ locals, url }) => {
  const [personas, scenarios, numbers, budget, credits, card, active] = await Promise.all([
    locals.supabase.from('personas').select('id, slug, name, description').eq('is_active', true).order('sort_order').order('name'),
    locals.supabase.from('call_scenario_templates').select('id, name, description, user_id, default_max_duration_seconds').eq('is_active', true).order('user_id', { nullsFirst: true }).order('sort_order').order('name'),
    locals.supabase.from('user_phone_numbers').select('id, phone_number, label').order('verified_at', { ascending: false }),
    locals.supabase.rpc('budget_status').maybeSingle(),
    locals.supabase.from('user_credits').select('available_credits, subscription_plan, subscription_status').maybeSingle(),
    locals.supabase.from('payment_cards').select('brand, last4').maybeSingle(),
    // The call in progress that would refuse a new one (as calls-create counts it: unfinished, from the last 4 hours).
    locals.supabase.from('calls').select('id, status, mode, personas(name)').in('status', [...ACTIVE_CALL_STATUSES])
      .gt('created_at', new Date(Date.now() - 4 * 3600_000).toISOString()).order('created_at', { ascending: false }).limit(1).maybeSingle()
  ]);
  if (personas.error) error(503, { message: 'The call options could not be loaded right now. Reload the page in a moment.' });
  const wanted = url.searchParams.get('persona');
  const preselected = personas.data?.find((p) => p.slug === wanted)?.id ?? personas.data?.[0]?.id ?? null;
  // "Use" on a scenario card opens this page with ?scenario=<id>: a scenario the user may pick, else none.
  const scenario = scenarios.data?.find((s) => s.id === url.searchParams.get('scenario')) ?? null;
  return {
    personas: personas.data ?? [],
    scenarios: scenarios.data ?? [],
    numbers: numbers.data ?? [],
    budget: budget.data,
    credits: credits.data,
    card: card.data,
    active: active.data ? { id: active.data.id, status: active.data.status, mode: active.data.mode, personaName: (active.data.personas as { name?: string } | null)?.name ?? 'A persona' } : null,
    preselected,
    preselectedScenario: scenario?.id ?? null,
    // The scenario's usual length, as the nearest offered choice at or under it.
    preselectedMinutes: scenario ? CALL_MINUTE_CHOICES.filter((m) => m <= scenario.default_max_duration_seconds / 60).at(-1) ?? CALL_MINUTE_CHOICES[0] : null
  };
};
