import { error, fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { databaseFailure } from '$lib/api_errors';
import { parseScenarioForm } from '$lib/forms';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One of the user's own scenarios: built-in ones are read-only, and other users' are invisible (RLS). */
async function ownScenario(locals: App.Locals, id: string) {
  if (!UUID.test(id)) error(404, { message: 'There is no scenario by that address. Pick one from the list.' });
  const { data, error: err } = await locals.supabase.from('call_scenario_templates')
    .select('id, user_id, name, description, prompt, opening_line, default_max_duration_seconds').eq('id', id).maybeSingle();
  if (err) error(503, { message: 'This scenario could not be loaded right now. Reload the page in a moment.' });
  if (!data) error(404, { message: 'There is no scenario by that address. Pick one from the list.' });
  if (!data.user_id) error(403, { message: 'Built-in scenarios cannot be edited. Write your own instead.' });
  return data;
}

export const load: PageServerLoad = async ({ locals, params }) => ({ scenario: await ownScenario(locals, params.id) });

export const actions: Actions = {
  save: async ({ request, locals, params }) => {
    const scenario = await ownScenario(locals, params.id);
    const parsed = parseScenarioForm(await request.formData());
    if (!parsed.ok) return fail(400, { errors: parsed.errors, message: 'Check the highlighted fields.' });
    const { data, error: err } = await locals.supabase.from('call_scenario_templates').update(parsed.value).eq('id', scenario.id).select('id');
    if (err) return fail(400, { errors: {}, message: databaseFailure(err).message });
    if (!data?.length) return fail(404, { errors: {}, message: 'That scenario was deleted. Go back to the list.' });
    redirect(303, `/scenarios?saved=${encodeURIComponent(parsed.value.name)}`);
  }
};
