import type { PageServerLoad } from './$types';
import { rowsOrFail } from '$lib/operator';

const LIMIT = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const load: PageServerLoad = async ({ locals, parent, url }) => {
  await parent();
  const user = url.searchParams.get('user') ?? '';
  let query = locals.supabase.from('operator_calls').select('*').order('created_at', { ascending: false }).limit(LIMIT);
  if (UUID.test(user)) query = query.eq('user_id', user);
  const calls = rowsOrFail(await query, 'The calls');
  return { calls, user: UUID.test(user) ? user : null, limit: LIMIT };
};
