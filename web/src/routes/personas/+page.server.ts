import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  const { data, error: err } = await locals.supabase.from('personas').select('*').order('name');
  if (err) error(503, { message: 'Personas could not be loaded right now. Reload the page in a moment.' });
  return { personas: data ?? [] };
};
