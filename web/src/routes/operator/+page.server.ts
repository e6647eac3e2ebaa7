import type { PageServerLoad } from './$types';
import { rowsOrFail } from '$lib/operator';

const LIMIT = 200;

export const load: PageServerLoad = async ({ locals, parent, url }) => {
  await parent();
  const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
  let query = locals.supabase.from('operator_users').select('*').order('signed_up_at', { ascending: false }).limit(LIMIT);
  // Commas and parentheses would change the meaning of an or= filter: search for the rest.
  const term = q.replace(/[,()*%\\]/g, ' ').trim();
  if (term) query = query.or(`email.ilike.*${term}*,name.ilike.*${term}*`);
  return { users: rowsOrFail(await query, 'The accounts'), q, limit: LIMIT };
};
