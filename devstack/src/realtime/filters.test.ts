import { describe, expect, it } from 'vitest';
import { FilterError, matchesFilters, parseFilter, parseInList } from './filters.ts';

const types = { n: 'int4', name: 'text', ok: 'bool', at: 'timestamptz', price: 'numeric' };

function passes(filter: string, row: Record<string, unknown>): boolean {
  return matchesFilters(parseFilter(filter), row, types);
}

describe('parseFilter', () => {
  it('parses each operator', () => {
    for (const op of ['eq', 'neq', 'lt', 'lte', 'gt', 'gte']) {
      expect(parseFilter(`n=${op}.5`)).toEqual([{ column: 'n', op, negate: false, values: ['5'] }]);
    }
    expect(parseFilter('name=in.(a,"b,c",  d ,"e\\"f")')).toEqual([{ column: 'name', op: 'in', negate: false, values: ['a', 'b,c', 'd', 'e"f'] }]);
  });

  it('reads comma-joined filters as AND, but keeps commas inside a value', () => {
    expect(parseFilter('n=gt.1,name=eq.x')).toHaveLength(2);
    expect(parseFilter('name=eq.a,b')).toEqual([{ column: 'name', op: 'eq', negate: false, values: ['a,b'] }]);
    expect(parseFilter('name=not.eq."x,y"')).toEqual([{ column: 'name', op: 'eq', negate: true, values: ['x,y'] }]);
  });

  it('treats an empty filter as none and rejects what it cannot read', () => {
    expect(parseFilter(undefined)).toEqual([]);
    expect(parseFilter('')).toEqual([]);
    expect(() => parseFilter('n=cs.5')).toThrow(/not supported/);
    expect(() => parseFilter('n=is.maybe')).toThrow(/null, true, false/);
    expect(() => parseFilter('nonsense')).toThrow(FilterError);
    expect(() => parseInList('a,b')).toThrow(/parentheses/);
  });
});

describe('matchesFilters', () => {
  it('compares numbers numerically', () => {
    expect(passes('n=eq.3', { n: 3 })).toBe(true);
    expect(passes('n=neq.3', { n: 3 })).toBe(false);
    expect(passes('n=lt.10', { n: 9 })).toBe(true);
    expect(passes('n=lt.10', { n: 10 })).toBe(false);
    expect(passes('n=lte.10', { n: 10 })).toBe(true);
    expect(passes('n=gt.10', { n: 11 })).toBe(true);
    expect(passes('n=gte.10', { n: 9 })).toBe(false);
    expect(passes('price=gt.2.5', { price: 10 })).toBe(true);
    expect(passes('n=in.(1,2,3)', { n: 2 })).toBe(true);
    expect(passes('n=in.(1,2,3)', { n: 4 })).toBe(false);
  });

  it('compares text, booleans and timestamps by their type', () => {
    expect(passes('name=eq.bob', { name: 'bob' })).toBe(true);
    expect(passes('name=in.(ann,"b,c")', { name: 'b,c' })).toBe(true);
    expect(passes('ok=eq.true', { ok: true })).toBe(true);
    expect(passes('ok=eq.f', { ok: false })).toBe(true);
    expect(passes('at=gt.2026-01-01T00:00:00Z', { at: '2026-06-01 10:00:00+00' })).toBe(true);
    expect(passes('at=lt.2026-01-01T00:00:00Z', { at: '2026-06-01 10:00:00+00' })).toBe(false);
  });

  it('never passes a NULL or missing column, like SQL', () => {
    for (const f of ['n=eq.1', 'n=neq.1', 'n=lt.1', 'n=in.(1)']) {
      expect(passes(f, { n: null })).toBe(false);
      expect(passes(f, {})).toBe(false);
    }
  });

  it('matches like, ilike, match and imatch patterns', () => {
    expect(passes('name=like.Bo%', { name: 'Bob' })).toBe(true);
    expect(passes('name=like.bo%', { name: 'Bob' })).toBe(false);
    expect(passes('name=ilike.bo*', { name: 'Bob' })).toBe(true);
    expect(passes('name=like.B_b', { name: 'Bob' })).toBe(true);
    expect(passes('name=like.a.c', { name: 'abc' })).toBe(false);
    expect(passes('name=match.^B[aeiou]', { name: 'Bob' })).toBe(true);
    expect(passes('name=imatch.^b[AEIOU]', { name: 'Bob' })).toBe(true);
  });

  it('handles is, isdistinct and not. the way SQL does', () => {
    expect(passes('name=is.null', { name: null })).toBe(true);
    expect(passes('name=not.is.null', { name: null })).toBe(false);
    expect(passes('name=not.is.null', { name: 'x' })).toBe(true);
    expect(passes('ok=is.true', { ok: true })).toBe(true);
    expect(passes('ok=is.false', { ok: true })).toBe(false);
    expect(passes('name=isdistinct.x', { name: null })).toBe(true);
    expect(passes('name=isdistinct.x', { name: 'x' })).toBe(false);
    expect(passes('n=not.eq.3', { n: 4 })).toBe(true);
    expect(passes('n=not.in.(1,2)', { n: 2 })).toBe(false);
    // NOT of unknown is still unknown: a NULL column fails a negated comparison too.
    expect(passes('n=not.eq.3', { n: null })).toBe(false);
  });

  it('requires every comma-joined filter', () => {
    expect(passes('n=gt.1,name=eq.x', { n: 2, name: 'x' })).toBe(true);
    expect(passes('n=gt.1,name=eq.x', { n: 2, name: 'y' })).toBe(false);
  });
});
