// The call history's filters as they travel in the URL (so a filtered list can be shared, paged and exported):
// read and checked here, once, for the page and the CSV export alike. A value that cannot be used is dropped with
// a sentence saying so; the list still shows.
import type { CallStatus } from '../../../core/src/call_status.ts';
import { ACTIVE_CALL_STATUSES } from '../../../core/src/call_status.ts';

// Filter groups rather than every raw status: what people ask is "which calls worked / are running / failed".
export const STATUS_FILTERS: Record<string, readonly CallStatus[]> = {
  completed: ['completed'],
  active: ACTIVE_CALL_STATUSES,
  unanswered: ['busy', 'no_answer'],
  failed: ['failed', 'canceled']
};

export const MAX_SEARCH_LENGTH = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CallFilters {
  status: string;
  persona: string;
  /** YYYY-MM-DD, the first day shown (the user's time zone). */
  from: string;
  /** YYYY-MM-DD, the last day shown. */
  to: string;
  /** Words said in the transcript. */
  q: string;
}

export interface FilterProblem {
  field: keyof CallFilters;
  code: 'invalid_date' | 'dates_reversed' | 'search_too_long';
  message: string;
}

function isDay(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

export function parseCallFilters(params: URLSearchParams): { filters: CallFilters; problems: FilterProblem[] } {
  const problems: FilterProblem[] = [];
  const get = (k: string) => (params.get(k) ?? '').trim();
  const status = STATUS_FILTERS[get('status')] ? get('status') : '';
  const persona = UUID.test(get('persona')) ? get('persona').toLowerCase() : '';
  const day = (field: 'from' | 'to', label: string) => {
    const v = get(field);
    if (!v || isDay(v)) return v;
    problems.push({ field, code: 'invalid_date', message: `The ${label} date “${v.slice(0, 20)}” is not a date (use YYYY-MM-DD), so it is not applied.` });
    return '';
  };
  let from = day('from', 'from');
  let to = day('to', 'to');
  if (from && to && from > to) {
    problems.push({ field: 'from', code: 'dates_reversed', message: 'The from date was after the to date; they are swapped.' });
    [from, to] = [to, from];
  }
  let q = get('q').replace(/\s+/g, ' ');
  if (q.length > MAX_SEARCH_LENGTH) {
    problems.push({ field: 'q', code: 'search_too_long', message: `Searches are at most ${MAX_SEARCH_LENGTH} characters; the rest was left out.` });
    q = q.slice(0, MAX_SEARCH_LENGTH).trim();
  }
  return { filters: { status, persona, from, to, q }, problems };
}

export function isFiltered(f: CallFilters): boolean {
  return Boolean(f.status || f.persona || f.from || f.to || f.q);
}

/** The arguments of the database's call_history function; a filter that is off is left out. */
export function historyArgs(f: CallFilters): { p_query?: string; p_persona_id?: string; p_statuses?: CallStatus[]; p_from?: string; p_to?: string } {
  return {
    ...(f.q ? { p_query: f.q } : {}),
    ...(f.persona ? { p_persona_id: f.persona } : {}),
    ...(f.status ? { p_statuses: [...STATUS_FILTERS[f.status]!] } : {}),
    ...(f.from ? { p_from: f.from } : {}),
    ...(f.to ? { p_to: f.to } : {})
  };
}

/** The query string of these filters (empty ones left out) with `extra` on top, e.g. a page number. */
export function filterQuery(f: CallFilters, extra: Record<string, string | number> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...extra })) {
    const s = String(v);
    if (s && !(k === 'page' && s === '1')) q.set(k, s);
  }
  return q.toString();
}

/** A ts_headline snippet ("... the <mark>marathon</mark> ...") as plain text parts, the matched ones marked. */
export function highlightParts(snippet: string): { text: string; hit: boolean }[] {
  const parts: { text: string; hit: boolean }[] = [];
  const re = /<mark>(.*?)<\/mark>/gs;
  let last = 0;
  for (const m of snippet.matchAll(re)) {
    if (m.index > last) parts.push({ text: snippet.slice(last, m.index), hit: false });
    parts.push({ text: m[1]!, hit: true });
    last = m.index + m[0].length;
  }
  if (last < snippet.length) parts.push({ text: snippet.slice(last), hit: false });
  return parts;
}
