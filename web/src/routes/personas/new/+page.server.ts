import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { databaseFailure } from '$lib/api_errors';
import { parseOwnPersonaForm } from '$lib/own_persona';
import { loadVoices } from '$lib/server/tts_voices';

export const load: PageServerLoad = async ({ fetch, locals }) => {
  const voices = await loadVoices(fetch, locals);
  return { voices: voices.ok ? voices.voices : [], voicesError: voices.ok ? null : voices.message };
};

export const actions: Actions = {
  create: async ({ request, fetch, locals }) => {
    const f = await request.formData();
    const voices = await loadVoices(fetch, locals);
    if (!voices.ok) return fail(503, { errors: {}, message: voices.message });
    const parsed = parseOwnPersonaForm(f, voices.voices);
    if (!parsed.ok) return fail(400, { errors: parsed.errors, message: 'Check the highlighted fields.' });
    const { user } = await locals.safeGetSession();
    const { data, error: err } = await locals.supabase.from('personas').insert({ owner_id: user!.id, ...parsed.value }).select('slug').single();
    if (err || !data) {
      const failure = databaseFailure(err);
      return fail(failure.code === 'persona_limit_reached' ? 409 : 400, { errors: {}, message: failure.message, code: failure.code });
    }
    redirect(303, `/personas/${data.slug}?created=1`);
  }
};
