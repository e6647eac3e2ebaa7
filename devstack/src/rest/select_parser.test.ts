import { describe, expect, it } from 'vitest';
import { RestError } from './errors.ts';
import { parseSelect } from './select_parser.ts';

describe('parseSelect', () => {
  it('reads *, plain columns, aliases, casts and JSON paths', () => {
    expect(parseSelect(null)).toEqual([{ kind: 'star' }]);
    expect(parseSelect('*,id,n:name,id::text,meta->a->>b,x:meta->0')).toEqual([
      { kind: 'star' },
      { kind: 'field', alias: null, field: { name: 'id', path: [] }, cast: null },
      { kind: 'field', alias: 'n', field: { name: 'name', path: [] }, cast: null },
      { kind: 'field', alias: null, field: { name: 'id', path: [] }, cast: 'text' },
      { kind: 'field', alias: null, field: { name: 'meta', path: [{ arrow: '->', key: 'a' }, { arrow: '->>', key: 'b' }] }, cast: null },
      { kind: 'field', alias: 'x', field: { name: 'meta', path: [{ arrow: '->', key: '0' }] }, cast: null }
    ]);
  });

  it('reads embeds with aliases, hints, join types, spreads and nesting', () => {
    const [embed] = parseSelect('author:authors!books_author_fk!inner(name,books(title))');
    expect(embed).toEqual({
      kind: 'embed',
      alias: 'author',
      relation: 'authors',
      hint: 'books_author_fk',
      joinType: 'inner',
      spread: false,
      select: [
        { kind: 'field', alias: null, field: { name: 'name', path: [] }, cast: null },
        {
          kind: 'embed', alias: null, relation: 'books', hint: null, joinType: null, spread: false,
          select: [{ kind: 'field', alias: null, field: { name: 'title', path: [] }, cast: null }]
        }
      ]
    });
    expect(parseSelect('...authors(name)')[0]).toMatchObject({ kind: 'embed', spread: true, relation: 'authors' });
  });

  it('accepts quoted identifiers and casts with parameters', () => {
    expect(parseSelect('"a b":"odd, name",price::numeric(10,2)')).toEqual([
      { kind: 'field', alias: 'a b', field: { name: 'odd, name', path: [] }, cast: null },
      { kind: 'field', alias: null, field: { name: 'price', path: [] }, cast: 'numeric(10,2)' }
    ]);
  });

  it.each(['id,', 'id(', 'a(b', '"open', 'id->', 'id:', 'id!inner', '))', 'id::text;drop table x', 'a!b!c!d(x)', 'id,,name', '...id'])(
    'rejects %j with PGRST100',
    (text) => {
      let caught: unknown;
      try {
        parseSelect(text);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(RestError);
      expect((caught as RestError).code).toBe('PGRST100');
      expect((caught as RestError).status).toBe(400);
    }
  );
});
