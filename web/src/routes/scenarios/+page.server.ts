import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { databaseFailure } from '$lib/api_errors';
import { parseScenarioForm } from '$lib/forms';

export const load: PageServerLoad = async ({ locals }) => {
  const { data, error: err } = await locals.supabase
    .from('call_scenario_templates')
    .select('id, user_id, name, description, prompt, opening_line, default_max_duration_seconds')
    .eq('is_active', true)
    .order('sort_order')
    .order('name');
  if (err) error(503, { message: 'Scenarios could not be loaded right now. Reload the page in a moment.' });
  return { builtIn: (data ?? []).filter((s) => !s.user_id), own: (data ?? []).filter((s) => s.user_id) };
};

export const actions: Actions = {
  create: async ({ request, locals }) => {
    const f = await request.formData();
    const values = Object.fromEntries([...f].map(([k, v]) => [k, String(v)]));
    const parsed = parseScenarioForm(f);
    if (!parsed.ok) return fail(400, { action: 'create', errors: parsed.errors, values, message: 'Check the highlighted fields.' });
    const { user } = await locals.safeGetSession();
    const { error: err } = await locals.supabase.from('call_scenario_templates').insert({ user_id: user!.id, ...parsed.value });
    if (err) return fail(400, { action: 'create', errors: {}, values, message: databaseFailure(err).message });
    return { action: 'create', created: parsed.value.name };
  },
  delete: async ({ request, locals }) => {
    const id = String((await request.formData()).get('id') ?? '');
    const { data, error: err } = await locals.supabase.from('call_scenario_templates').delete().eq('id', id).not('user_id', 'is', null).select('id');
    if (err) return fail(400, { action: 'delete', id, message: databaseFailure(err).message });
    if (!data?.length) return fail(404, { action: 'delete', id, message: 'That scenario was already deleted, or it is built in.' });
    return { action: 'delete', deleted: true };
  }
};
