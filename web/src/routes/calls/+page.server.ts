import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { pageCount, pageRange, parsePage } from '$lib/forms';
import { ACTIVE_CALL_STATUSES, type CallStatus } from '../../../../core/src/call_status.ts';

const PAGE_SIZE = 10;

// Filter groups rather than every raw status: what people ask is "which calls worked / are running / failed".
const STATUS_FILTERS: Record<string, readonly CallStatus[]> = {
  completed: ['completed'],
  active: ACTIVE_CALL_STATUSES,
  unanswered: ['busy', 'no_answer'],
  failed: ['failed', 'canceled']
};

// PostgREST answers a range that starts past the last row with this code (HTTP 416).
const RANGE_PAST_END = 'PGRST103';

export const load: PageServerLoad = async ({ locals, url }) => {
  const asked = parsePage(url.searchParams.get('page'));
  const status = url.searchParams.get('status') ?? '';
  const persona = url.searchParams.get('persona') ?? '';

  const pageOfCalls = (page: number) => {
    const { from, to } = pageRange(page, PAGE_SIZE);
    let query = locals.supabase
      .from('calls')
      .select('id, persona_id, scenario_template_id, status, mode, phone_number, created_at, duration_seconds, estimated_cost_cents, actual_cost_cents, payment_method, end_reason, summary', { count: 'exact' })
      .order('created_at', { ascending: false })
      .range(from, to);
    if (STATUS_FILTERS[status]) query = query.in('status', STATUS_FILTERS[status]!);
    if (/^[0-9a-f-]{36}$/i.test(persona)) query = query.eq('persona_id', persona);
    return query;
  };

  let page = asked;
  const [first, personas] = await Promise.all([pageOfCalls(page), locals.supabase.from('personas').select('id, name').order('name')]);
  let calls = first;
  // A page past the end (an old link, calls deleted since, a typed URL) shows the last page instead.
  if (calls.error?.code === RANGE_PAST_END && page > 1) {
    const { count, error: countError } = await pageOfCalls(1);
    if (!countError) {
      page = pageCount(count, PAGE_SIZE);
      calls = await pageOfCalls(page);
    }
  }
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
    /** The page the link asked for, when it was past the last one. */
    askedPage: asked !== page ? asked : null,
    pageSize: PAGE_SIZE
  };
};
