import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { loadPricedCall } from '$lib/priced_call_load';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NOT_FOUND = 'This call does not exist or is not yours.';

export const load: PageServerLoad = async ({ locals, params }) => {
  if (!UUID.test(params.id)) error(404, { message: NOT_FOUND });
  // Row-level security returns nothing for someone else's call, so "not yours" and "does not exist" look the same.
  const { data: call, error: err } = await locals.supabase
    .from('calls')
    .select('*, personas(name, slug), call_scenario_templates(name)')
    .eq('id', params.id)
    .maybeSingle();
  if (err) error(503, { message: 'This call could not be loaded right now. Reload the page in a moment.' });
  if (!call) error(404, { message: NOT_FOUND });
  const [segments, breakdown, budget, priced] = await Promise.all([
    locals.supabase.from('call_transcript_segments').select('id, seq, speaker, text, interrupted, start_ms').eq('call_id', params.id).order('seq'),
    locals.supabase.from('call_cost_breakdowns').select('*').eq('call_id', params.id).maybeSingle(),
    locals.supabase.from('user_budget_settings').select('warn_at_percent_per_call').maybeSingle(),
    loadPricedCall(locals.supabase, params.id)
  ]);
  return {
    call, segments: segments.data ?? [], breakdown: breakdown.data, warnAt: budget.data?.warn_at_percent_per_call ?? 75, ...priced
  };
};
