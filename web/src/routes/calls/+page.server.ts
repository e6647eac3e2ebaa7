import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { historyArgs, parseCallFilters } from '$lib/call_filters';
import { pageCount, pageRange, parsePage } from '$lib/forms';

const PAGE_SIZE = 10;

// PostgREST answers a range that starts past the last row with this code (HTTP 416).
const RANGE_PAST_END = 'PGRST103';

export const load: PageServerLoad = async ({ locals, url }) => {
  const asked = parsePage(url.searchParams.get('page'));
  const { filters, problems } = parseCallFilters(url.searchParams);
  const args = historyArgs(filters);

  // Filtering, transcript search, order, page and count all happen in Postgres (call_history, inlined into the
  // query, so the page reads ten rows off the index however many calls there are).
  const pageOfCalls = (page: number) => {
    const { from, to } = pageRange(page, PAGE_SIZE);
    return locals.supabase
      .rpc('call_history', args, { count: 'exact' })
      .select('id, persona_id, scenario_template_id, status, mode, phone_number, created_at, duration_seconds, estimated_cost_cents, actual_cost_cents, payment_method, end_reason, summary')
      .order('created_at', { ascending: false })
      .order('id', { ascending: false })
      .range(from, to);
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
  const [breakdowns, snippets] = await Promise.all([
    ids.length ? locals.supabase.from('call_cost_breakdowns').select('*').in('call_id', ids) : { data: [] as Record<string, unknown>[] },
    ids.length && filters.q ? locals.supabase.rpc('call_search_snippets', { p_query: filters.q, p_call_ids: ids }) : { data: [] }
  ]);
  return {
    calls: calls.data ?? [],
    total: calls.count ?? 0,
    breakdowns: breakdowns.data ?? [],
    snippets: (snippets.data ?? []) as { call_id: string; speaker: string; snippet: string }[],
    personas: personas.data ?? [],
    filters,
    problems,
    page,
    /** The page the link asked for, when it was past the last one. */
    askedPage: asked !== page ? asked : null,
    pageSize: PAGE_SIZE
  };
};
