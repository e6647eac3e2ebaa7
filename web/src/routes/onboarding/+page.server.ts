import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { databaseFailure } from '$lib/api_errors';

export const load: PageServerLoad = async ({ locals }) => {
  const { data, error: err } = await locals.supabase
    .from('user_phone_numbers')
    .select('id, phone_number, country_code, label, verified_at')
    .order('verified_at', { ascending: false });
  if (err) error(503, { message: 'Your phone numbers could not be loaded right now. Reload the page in a moment.' });
  return { numbers: data ?? [] };
};

export const actions: Actions = {
  remove: async ({ request, locals }) => {
    const id = String((await request.formData()).get('id') ?? '');
    const { error: err, count } = await locals.supabase.from('user_phone_numbers').delete({ count: 'exact' }).eq('id', id);
    if (err) return fail(400, { removeId: id, message: databaseFailure(err).message });
    if (!count) return fail(404, { removeId: id, message: 'That number was already removed.' });
    return { removed: true };
  }
};
