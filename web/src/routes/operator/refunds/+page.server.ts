import type { PageServerLoad } from './$types';
import { rowsOrFail } from '$lib/operator';

export const load: PageServerLoad = async ({ locals, parent }) => {
  await parent();
  const refunds = rowsOrFail(
    await locals.supabase.from('operator_refunds').select('*').order('created_at', { ascending: false }).limit(200),
    'The refunds'
  );
  return { refunds };
};
