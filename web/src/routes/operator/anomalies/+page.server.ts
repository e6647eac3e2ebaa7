import type { PageServerLoad } from './$types';
import { rowsOrFail } from '$lib/operator';

export const load: PageServerLoad = async ({ locals, parent }) => {
  await parent();
  const anomalies = rowsOrFail(
    await locals.supabase.from('operator_anomalies').select('*').order('occurred_at', { ascending: false, nullsFirst: true }).limit(500),
    'The anomalies'
  );
  return { anomalies };
};
