import { describe, expect, it } from 'vitest';
import { filterQuery, highlightParts, historyArgs, isFiltered, parseCallFilters } from './call_filters';

const parse = (q: string) => parseCallFilters(new URLSearchParams(q));
const PERSONA = 'a0000000-0000-4000-8000-000000000001';

describe('call history filters', () => {
  it('reads every filter from the query and passes them to call_history', () => {
    const { filters, problems } = parse(`status=unanswered&persona=${PERSONA}&from=2026-11-01&to=2026-11-30&q=  the   marathon `);
    expect(problems).toEqual([]);
    expect(filters).toEqual({ status: 'unanswered', persona: PERSONA, from: '2026-11-01', to: '2026-11-30', q: 'the marathon' });
    expect(historyArgs(filters)).toEqual({ p_query: 'the marathon', p_persona_id: PERSONA, p_statuses: ['busy', 'no_answer'], p_from: '2026-11-01', p_to: '2026-11-30' });
    expect(isFiltered(filters)).toBe(true);
  });

  it('leaves out unknown statuses and personas, and passes no argument for a filter that is off', () => {
    const { filters, problems } = parse('status=everything&persona=brad');
    expect(problems).toEqual([]);
    expect(historyArgs(filters)).toEqual({});
    expect(isFiltered(filters)).toBe(false);
  });

  it('drops a date that is not a day, with a sentence, and swaps reversed dates', () => {
    const bad = parse('from=2026-02-30&to=yesterday');
    expect(bad.filters.from).toBe('');
    expect(bad.filters.to).toBe('');
    expect(bad.problems.map((p) => p.code)).toEqual(['invalid_date', 'invalid_date']);
    expect(bad.problems[0]!.message).toContain('YYYY-MM-DD');
    const reversed = parse('from=2026-12-05&to=2026-12-01');
    expect([reversed.filters.from, reversed.filters.to]).toEqual(['2026-12-01', '2026-12-05']);
    expect(reversed.problems[0]!.code).toBe('dates_reversed');
  });

  it('cuts a search longer than 200 characters and says so', () => {
    const { filters, problems } = parse(`q=${'a'.repeat(250)}`);
    expect(filters.q).toHaveLength(200);
    expect(problems[0]!.code).toBe('search_too_long');
  });

  it('writes the filters back into a query, page 1 and empty ones left out', () => {
    const { filters } = parse('status=completed&q=a b');
    expect(filterQuery(filters, { page: 1 })).toBe('status=completed&q=a+b');
    expect(filterQuery(filters, { page: 3 })).toBe('status=completed&q=a+b&page=3');
  });
});

describe('highlightParts', () => {
  it('splits a snippet into plain and matched text, without reading it as HTML', () => {
    expect(highlightParts('Ready for the <mark>marathon</mark> <b>now</b>?')).toEqual([
      { text: 'Ready for the ', hit: false },
      { text: 'marathon', hit: true },
      { text: ' <b>now</b>?', hit: false }
    ]);
    expect(highlightParts('')).toEqual([]);
  });
});
