import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { databaseFailure } from '$lib/api_errors';
import { parsePersonaForm } from '$lib/forms';

async function personaBySlug(locals: App.Locals, slug: string) {
  const { data, error: err } = await locals.supabase.from('personas').select('*').eq('slug', slug).maybeSingle();
  if (err) error(503, { message: 'This persona could not be loaded right now. Reload the page in a moment.' });
  if (!data) error(404, { message: 'There is no persona by that name. Pick one from the list.' });
  return data;
}

export const load: PageServerLoad = async ({ locals, params }) => {
  const persona = await personaBySlug(locals, params.slug);
  const { data: mine } = await locals.supabase.from('user_persona_relationships').select('*').eq('persona_id', persona.id).maybeSingle();
  return { persona, mine };
};

export const actions: Actions = {
  save: async ({ request, locals, params }) => {
    const persona = await personaBySlug(locals, params.slug);
    const parsed = parsePersonaForm(await request.formData());
    if (!parsed.ok) return fail(400, { errors: parsed.errors, message: 'Check the highlighted fields.' });
    const { user } = await locals.safeGetSession();
    const { error: err } = await locals.supabase
      .from('user_persona_relationships')
      .upsert({ user_id: user!.id, persona_id: persona.id, ...parsed.value }, { onConflict: 'user_id,persona_id' });
    if (err) return fail(400, { errors: {}, message: databaseFailure(err).message });
    return { saved: true };
  },
  reset: async ({ locals, params }) => {
    const persona = await personaBySlug(locals, params.slug);
    const { error: err } = await locals.supabase.from('user_persona_relationships').delete().eq('persona_id', persona.id);
    if (err) return fail(400, { errors: {}, message: databaseFailure(err).message });
    return { reset: true };
  }
};
