import type { PageServerLoad } from './$types';
import { rowsOrFail } from '$lib/operator';

const DAYS = 30;

export const load: PageServerLoad = async ({ locals, parent }) => {
  await parent();
  const since = new Date(Date.now() - (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  const rows = rowsOrFail(
    await locals.supabase.from('operator_spend_by_day').select('*').gte('day', since).order('day', { ascending: false }).order('provider'),
    'Provider spend'
  );
  const totals = new Map<string, { cost: number; priced: number }>();
  for (const r of rows) {
    const t = totals.get(r.provider ?? '') ?? { cost: 0, priced: 0 };
    t.cost += Number(r.cost_usd ?? 0);
    t.priced += Number(r.priced_cents ?? 0);
    totals.set(r.provider ?? '', t);
  }
  return { rows, totals: [...totals].map(([provider, t]) => ({ provider, ...t })), days: DAYS };
};
