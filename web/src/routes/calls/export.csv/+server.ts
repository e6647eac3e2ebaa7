// The call history as CSV, filtered exactly like the page (the same query string), newest first.
import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { historyArgs, parseCallFilters } from '$lib/call_filters';
import { csvRow } from '$lib/csv';

// Read in pages the size PostgREST hands out at most; a history longer than the cap is cut with a last line
// saying so, rather than holding a huge export in memory.
const CHUNK = 1000;
const MAX_ROWS = 50_000;

const HEADER = ['Started (UTC)', 'Persona', 'Status', 'Mode', 'Number', 'Duration (s)', 'Charged (USD)', 'Estimate (USD)', 'Paid with', 'End reason', 'Summary', 'Link'];

export const GET: RequestHandler = async ({ locals, url }) => {
  const { filters, problems } = parseCallFilters(url.searchParams);
  const bad = problems.find((p) => p.code === 'invalid_date');
  if (bad) return json({ code: bad.code, message: bad.message }, { status: 400 });
  const args = historyArgs(filters);
  const personas = await locals.supabase.from('personas').select('id, name');
  const names = new Map((personas.data ?? []).map((p) => [p.id, p.name]));

  const lines: string[] = [csvRow(HEADER)];
  let cut = false;
  for (let from = 0; ; from += CHUNK) {
    const { data, error } = await locals.supabase
      .rpc('call_history', args)
      .select('id, persona_id, status, mode, phone_number, created_at, duration_seconds, estimated_cost_cents, actual_cost_cents, payment_method, end_reason, summary')
      .order('created_at', { ascending: false })
      .order('id', { ascending: false })
      .range(from, from + CHUNK - 1);
    if (error) return json({ code: 'export_unavailable', message: 'Your calls could not be exported right now. Try again in a moment.' }, { status: 503 });
    for (const c of data ?? []) {
      lines.push(csvRow([
        new Date(c.created_at).toISOString().replace('T', ' ').slice(0, 19),
        names.get(c.persona_id) ?? '',
        c.status,
        c.mode,
        c.phone_number,
        c.duration_seconds,
        c.actual_cost_cents == null ? null : (c.actual_cost_cents / 100).toFixed(2),
        (c.estimated_cost_cents / 100).toFixed(2),
        c.payment_method,
        c.end_reason,
        c.summary,
        `${url.origin}/calls/${c.id}`
      ]));
    }
    if ((data ?? []).length < CHUNK) break;
    if (from + CHUNK >= MAX_ROWS) { cut = true; break; }
  }
  if (cut) lines.push(csvRow([`Only the newest ${MAX_ROWS} calls are exported; narrow the dates to export older ones.`]));
  const day = new Date().toISOString().slice(0, 10);
  return new Response(lines.join(''), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="calls-${day}.csv"`,
      'cache-control': 'private, no-store'
    }
  });
};
