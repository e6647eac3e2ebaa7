import { describe, expect, it } from 'vitest';
import { RestError } from './errors.ts';
import { parseLogicTree, parseOperation, parseOrder, splitTopLevel } from './filter_parser.ts';
import { parseQuery } from './query_params.ts';

function code(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof RestError ? err.code : 'not a RestError';
  }
}

describe('filter values', () => {
  it('parses simple operators, negation and like wildcards', () => {
    expect(parseOperation('eq.a.b', false)).toEqual({ negate: false, operation: { op: 'eq', value: 'a.b', quantifier: null } });
    expect(parseOperation('not.ilike.*x*', false)).toEqual({ negate: true, operation: { op: 'ilike', value: '%x%', quantifier: null } });
    expect(parseOperation('eq.null', false).operation).toEqual({ op: 'eq', value: 'null', quantifier: null });
    expect(parseOperation('like(any).{a*,b}', false).operation).toEqual({ op: 'like', value: ['a%', 'b'], quantifier: 'any' });
  });

  it('parses in lists with quoted members and is values', () => {
    expect(parseOperation('in.(1,"a,b","c\\"d",e)', false).operation).toEqual({ op: 'in', value: ['1', 'a,b', 'c"d', 'e'] });
    expect(parseOperation('in.()', false).operation).toEqual({ op: 'in', value: [] });
    expect(parseOperation('is.NULL', false).operation).toEqual({ op: 'is', value: 'null' });
    expect(parseOperation('not.is.true', false)).toEqual({ negate: true, operation: { op: 'is', value: 'true' } });
  });

  it('parses full-text operators with a configuration', () => {
    expect(parseOperation('plfts(english).fat cats', false).operation).toEqual({ op: 'plfts', value: 'fat cats', config: 'english' });
    expect(parseOperation('wfts.a -b', false).operation).toEqual({ op: 'wfts', value: 'a -b', config: null });
  });

  it.each(['eq', 'zz.1', 'in.1,2', 'in.(1,2', 'is.maybe', 'eq(any).x', 'fts(bad;cfg).x', 'gt(some).1'])('rejects %j', (v) => {
    expect(code(() => parseOperation(v, false))).toBe('PGRST100');
  });
});

describe('logic trees', () => {
  it('parses nested and/or with negation and quoted values', () => {
    const tree = parseLogicTree('or', false, '(a.eq.1,not.and(b.gt.2,c.in.(x,"y,z")),d.eq."p,q")');
    expect(tree.op).toBe('or');
    expect(tree.children).toHaveLength(3);
    expect(tree.children[1]).toMatchObject({ kind: 'logic', op: 'and', negate: true });
    const inner = (tree.children[1] as { children: unknown[] }).children[1];
    expect(inner).toMatchObject({ field: { name: 'c' }, operation: { op: 'in', value: ['x', 'y,z'] } });
    expect(tree.children[2]).toMatchObject({ field: { name: 'd' }, operation: { op: 'eq', value: 'p,q' } });
  });

  it('reads json paths inside logic trees', () => {
    const tree = parseLogicTree('and', false, '(data->>k.eq.1)');
    expect(tree.children[0]).toMatchObject({ field: { name: 'data', path: [{ arrow: '->>', key: 'k' }] } });
  });

  it.each(['a.eq.1', '(a.eq.1', '(a.eq.1))', '()', '(a)', '(and(a.eq.1)'])('rejects %j', (v) => {
    expect(code(() => parseLogicTree('or', false, v))).toBe('PGRST100');
  });

  it('splits on top-level commas only', () => {
    expect(splitTopLevel('a,(b,c),"d,e",{f,g}', 'x')).toEqual(['a', '(b,c)', '"d,e"', '{f,g}']);
  });
});

describe('order', () => {
  it('parses direction, nulls placement and related columns', () => {
    expect(parseOrder('a.desc.nullslast,b,author(name).asc')).toEqual([
      { relation: null, field: { name: 'a', path: [] }, direction: 'desc', nulls: 'last' },
      { relation: null, field: { name: 'b', path: [] }, direction: null, nulls: null },
      { relation: 'author', field: { name: 'name', path: [] }, direction: 'asc', nulls: null }
    ]);
    expect(code(() => parseOrder('a.sideways'))).toBe('PGRST100');
  });
});

describe('parseQuery', () => {
  it('sorts parameters into select, root and embedded filters, order, paging and write options', () => {
    const q = parseQuery(
      new URLSearchParams('select=id,books(id)&id=gt.1&books.title=eq.x&books.order=id.desc&books.limit=2&limit=5&offset=1&columns="a","b"&on_conflict=a&or=(id.eq.1,id.eq.2)&apikey=k')
    );
    expect(q.hasSelect).toBe(true);
    expect(q.columns).toEqual(['a', 'b']);
    expect(q.onConflict).toEqual(['a']);
    const root = q.nodes.get('')!;
    expect(root.limit).toBe(5);
    expect(root.offset).toBe(1);
    expect(root.filters.map((f) => f.kind)).toEqual(['condition', 'logic']);
    const books = q.nodes.get('books')!;
    expect(books.limit).toBe(2);
    expect(books.order[0]!.direction).toBe('desc');
    expect(books.filters[0]).toMatchObject({ field: { name: 'title' } });
  });

  it('leaves RPC argument names for the caller', () => {
    const q = parseQuery(new URLSearchParams('a=1&b=2&result=gt.2'), new Set(['a', 'b']));
    expect(q.rest).toEqual([['a', '1'], ['b', '2']]);
    expect(q.nodes.get('')!.filters).toHaveLength(1);
  });

  it('rejects bad limits', () => {
    expect(code(() => parseQuery(new URLSearchParams('limit=-1')))).toBe('PGRST100');
    expect(code(() => parseQuery(new URLSearchParams('offset=x')))).toBe('PGRST100');
  });
});
