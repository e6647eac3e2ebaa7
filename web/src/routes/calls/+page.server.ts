import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { pageRange, parsePage } from '$lib/forms';

const PAGE_SIZE = 10;

// Filter groups rather than every raw status: what people ask is "which calls worked / are running / failed".
const STATUS_FILTERS: Record<string, string[]> = {
  completed: ['completed'],
  active: ['created', 'queued', 'initiated', 'ringing', 'in_progress'],
  unanswered: ['busy', 'no_answer'],
  failed: ['failed', 'canceled']
};

export const load: PageServerLoad = async ({ locals, url }) => {
  const page = parsePage(url.searchParams.get('page'));
  const status = url.searchParams.get('status') ?? '';
  const persona = url.searchParams.get('persona') ?? '';
  const { from, to } = pageRange(page, PAGE_SIZE);

  let query = locals.supabase
    .from('calls')
    .select('id, persona_id, scenario_template_id, status, mode, phone_number, created_at, duration_seconds, estimated_cost_cents, actual_cost_cents, payment_method, end_reason, summary', { count: 'exact' })
    .order('created_at', { ascending: false })
    .range(from, to);
  if (STATUS_FILTERS[status]) query = query.in('status', STATUS_FILTERS[status]!);
  if (/^[0-9a-f-]{36}$/i.test(persona)) query = query.eq('persona_id', persona);

  const [calls, personas] = await Promise.all([query, locals.supabase.from('personas').select('id, name').order('name')]);
  if (calls.error) error(503, { message: 'Your calls could not be loaded right now. Reload the page in a moment.' });
  const ids = (calls.data ?? []).map((c) => c.id);
  const breakdowns = ids.length
    ? await locals.supabase.from('call_cost_breakdowns').select('*').in('call_id', ids)
    : { data: [] as Record<string, unknown>[] };
  return {
    calls: calls.data ?? [],
    total: calls.count ?? 0,
    breakdowns: breakdowns.data ?? [],
    personas: personas.data ?? [],
    filters: { status, persona },
    page,
    pageSize: PAGE_SIZE
  };
};
