import { describe, expect, it } from 'vitest';
import { RestError, statusForSqlState } from './errors.ts';
import { planRequest, type PlanInput } from './plan.ts';
import { parsePrefer } from './prefer.ts';
import { key, type FunctionInfo, type SchemaSnapshot, type TableInfo } from './schema_cache.ts';

function table(name: string, columns: string[], pk = ['id'], uniques: string[][] = [pk]): TableInfo {
  return {
    oid: name.length,
    schema: 'public',
    name,
    kind: 'r',
    pk,
    uniques,
    columns: columns.map((c) => ({ name: c, type: c === 'tags' ? 'text[]' : c === 'id' ? 'integer' : 'text', nullable: true, generated: false, default: c === 'nick' ? "'friend'::text" : null }))
  };
}

function snapshot(): SchemaSnapshot {
  const authors = table('authors', ['id', 'name', 'nick']);
  const books = table('books', ['id', 'author_id', 'editor_id', 'title', 'tags']);
  const fn = (name: string, args: FunctionInfo['args'], extra: Partial<FunctionInfo> = {}): FunctionInfo => ({
    schema: 'public', name, volatility: 'v', returnsSet: false, returnType: 'integer', returnKind: 'b', returnTableOid: null, args, defaults: 0, ...extra
  });
  return {
    fingerprint: '1',
    tables: new Map([[key('public', 'authors'), authors], [key('public', 'books'), books]]),
    tablesByOid: new Map([[authors.oid, authors], [books.oid, books]]),
    fks: [
      { name: 'books_author_fk', schema: 'public', table: 'books', columns: ['author_id'], refSchema: 'public', refTable: 'authors', refColumns: ['id'] },
      { name: 'books_editor_fk', schema: 'public', table: 'books', columns: ['editor_id'], refSchema: 'public', refTable: 'authors', refColumns: ['id'] }
    ],
    functions: new Map([
      [key('public', 'add'), [fn('add', [{ name: 'a', type: 'integer', mode: 'i' }, { name: 'b', type: 'integer', mode: 'i' }], { defaults: 1, volatility: 'i' })]],
      [key('public', 'echo'), [fn('echo', [{ name: '', type: 'jsonb', mode: 'i' }], { returnType: 'jsonb' })]],
      [key('public', 'nothing'), [fn('nothing', [], { returnType: 'void', returnKind: 'p' })]],
      [key('public', 'dup'), [fn('dup', [{ name: 'a', type: 'integer', mode: 'i' }]), fn('dup', [{ name: 'a', type: 'text', mode: 'i' }])]]
    ]),
    roles: new Map([['anon', {}]]),
    allRoles: new Set(['anon'])
  };
}

function input(method: string, name: string, query: string, extra: Partial<PlanInput> = {}): PlanInput {
  return {
    method, schema: 'public', name, rpc: false, search: new URLSearchParams(query), body: undefined, bodyText: null,
    prefs: parsePrefer(undefined), range: null, ...extra
  };
}

function planError(i: PlanInput): RestError {
  try {
    planRequest(snapshot(), i);
  } catch (err) {
    if (err instanceof RestError) return err;
    throw err;
  }
  throw new Error('expected the plan to fail');
}

const HOSTILE = `x'); drop table authors; --`;

describe('read plans', () => {
  it('binds every filter value as a parameter, never in the SQL text', () => {
    const q = new URLSearchParams();
    q.set('name', `eq.${HOSTILE}`);
    q.set('or', `(name.like.*${HOSTILE.replace(/[,()]/g, '')}*,id.in.(1,2))`);
    q.set('tags', 'cs.{a,b}');
    q.set('select', 'id,name->>k');
    const plan = planRequest(snapshot(), input('GET', 'authors', q.toString()));
    expect(plan.sql).not.toContain('drop table');
    expect(plan.values).toContain(HOSTILE);
    expect(plan.values).toContainEqual(['1', '2']);
    expect(plan.values).toContain('k');
    expect(plan.readOnly).toBe(true);
    expect(plan.sql).toMatch(/"name" = \$\d+/);
  });

  it('casts range/array operators to the column type and applies limit, offset and the 1000-row cap', () => {
    const plan = planRequest(snapshot(), input('GET', 'books', 'tags=ov.{a}&offset=5'));
    expect(plan.sql).toMatch(/"tags" && \$1::text\[\]/);
    expect(plan.sql).toContain('limit 1000 offset 5');
    expect(plan.offset).toBe(5);
    expect(planRequest(snapshot(), input('GET', 'books', 'limit=5000')).sql).toContain('limit 1000 offset 0');
  });

  it('builds embeds as correlated subqueries: object for many-to-one, array for one-to-many, exists for !inner', () => {
    const toOne = planRequest(snapshot(), input('GET', 'books', 'select=id,authors!author_id(name)')).sql;
    expect(toOne).toMatch(/select row_to_json\(_jt1\) from \(select t1\."name" as "name" from "public"\."authors" as t1 where t1\."id" = t0\."author_id"/);
    const toMany = planRequest(snapshot(), input('GET', 'authors', 'select=id,books!books_author_fk!inner(title)&books.title=eq.x')).sql;
    expect(toMany).toContain(`coalesce((select json_agg(_jt1)`);
    expect(toMany).toMatch(/where exists \(select 1 from "public"\."books" as t1 where t1\."author_id" = t0\."id" and t1\."title" = \$1\)/);
  });

  it('reports ambiguous (PGRST201, 300) and missing (PGRST200, 400) relationships', () => {
    const ambiguous = planError(input('GET', 'books', 'select=authors(name)'));
    expect([ambiguous.status, ambiguous.code]).toEqual([300, 'PGRST201']);
    expect(ambiguous.hint).toContain("'authors!books_author_fk'");
    const missing = planError(input('GET', 'authors', 'select=nowhere(*)'));
    expect([missing.status, missing.code]).toEqual([400, 'PGRST200']);
  });

  it('answers 404 PGRST205 for an unknown table', () => {
    const e = planError(input('GET', 'ghosts', ''));
    expect([e.status, e.code]).toEqual([404, 'PGRST205']);
  });
});

describe('write plans', () => {
  it('inserts from one JSON parameter; missing=default falls back to column defaults', () => {
    const body = [{ name: 'a' }, { name: 'b', nick: 'x' }];
    const plan = planRequest(snapshot(), input('POST', 'authors', 'columns=name,nick', {
      body, bodyText: JSON.stringify(body), prefs: parsePrefer('return=representation, missing=default')
    }));
    expect(plan.values[0]).toBe(JSON.stringify(body));
    expect(plan.sql).toContain('json_populate_record(null::"public"."authors", _j.v)');
    expect(plan.sql).toContain(`else 'friend'::text end`);
    expect(plan.sql).toContain('returning t0.*');
    expect(plan.readOnly).toBe(false);
  });

  it('uses RETURNING 1 for minimal inserts so SELECT policies are not involved', () => {
    const plan = planRequest(snapshot(), input('POST', 'authors', '', { body: { name: 'a' }, bodyText: '{"name":"a"}' }));
    expect(plan.sql).toContain('returning 1');
    expect(plan.returning).toBe('count');
  });

  it('upserts on the primary key or on_conflict columns', () => {
    const merge = planRequest(snapshot(), input('POST', 'authors', '', { body: { id: 1, name: 'a' }, bodyText: '{}', prefs: parsePrefer('resolution=merge-duplicates') }));
    expect(merge.sql).toContain('on conflict ("id") do update set "name" = excluded."name"');
    const ignore = planRequest(snapshot(), input('POST', 'authors', 'on_conflict=name', { body: { name: 'a' }, bodyText: '{}', prefs: parsePrefer('resolution=ignore-duplicates') }));
    expect(ignore.sql).toContain('on conflict ("name") do nothing');
  });

  it('refuses array bodies whose objects have different keys, and unknown columns', () => {
    const body = [{ name: 'a' }, { nick: 'b' }];
    expect(planError(input('POST', 'authors', '', { body, bodyText: JSON.stringify(body) })).code).toBe('PGRST102');
    const unknown = planError(input('POST', 'authors', '', { body: { nope: 1 }, bodyText: '{"nope":1}' }));
    expect([unknown.status, unknown.code]).toEqual([400, 'PGRST204']);
  });

  it('requires a filter for PATCH and DELETE, as pg-safeupdate does', () => {
    const patch = planError(input('PATCH', 'authors', '', { body: { name: 'x' }, bodyText: '{"name":"x"}' }));
    expect([patch.status, patch.code, patch.message]).toEqual([400, '21000', 'UPDATE requires a WHERE clause']);
    const del = planError(input('DELETE', 'authors', 'books.id=eq.1'));
    expect(del.message).toBe('DELETE requires a WHERE clause');
    const ok = planRequest(snapshot(), input('DELETE', 'authors', 'id=eq.1'));
    expect(ok.sql).toMatch(/^with pgrst_source as \(delete from "public"\."authors" as t0 where t0\."id" = \$1 returning 1\)/);
  });
});

describe('rpc plans', () => {
  it('calls with named arguments converted by json_to_record, allowing defaults', () => {
    const plan = planRequest(snapshot(), input('POST', 'add', '', { rpc: true, body: { a: 1 }, bodyText: '{"a":1}' }));
    expect(plan.sql).toContain('json_to_record($1::json) as _a("a" integer) cross join lateral "public"."add"("a" => _a."a")');
    expect(plan.shape).toBe('scalar');
    expect(plan.readOnly).toBe(true);
  });

  it('reads GET arguments from the query string and leaves the rest as filters', () => {
    const plan = planRequest(snapshot(), input('GET', 'add', 'a=1&b=2', { rpc: true }));
    expect(plan.values).toEqual([JSON.stringify({ a: '1', b: '2' })]);
  });

  it('passes the whole body to a single unnamed json parameter, and knows void', () => {
    const echo = planRequest(snapshot(), input('POST', 'echo', '', { rpc: true, body: { x: 1 }, bodyText: '{"x":1}' }));
    expect(echo.sql).toContain('"public"."echo"($1::jsonb)');
    expect(planRequest(snapshot(), input('POST', 'nothing', '', { rpc: true, body: {}, bodyText: '{}' })).shape).toBe('void');
  });

  it('answers 404 PGRST202 for unknown functions or arguments and 300 PGRST203 for ambiguous overloads', () => {
    expect(planError(input('POST', 'add', '', { rpc: true, body: { z: 1 }, bodyText: '{"z":1}' })).code).toBe('PGRST202');
    expect(planError(input('POST', 'ghost', '', { rpc: true, body: {}, bodyText: '{}' })).status).toBe(404);
    const dup = planError(input('POST', 'dup', '', { rpc: true, body: { a: 1 }, bodyText: '{"a":1}' }));
    expect([dup.status, dup.code]).toEqual([300, 'PGRST203']);
  });
});

describe('SQLSTATE to HTTP status', () => {
  it.each([
    ['23505', 'x', 'authenticated', 409],
    ['23503', 'x', 'anon', 409],
    ['42501', 'x', 'anon', 401],
    ['42501', 'x', 'authenticated', 403],
    ['42P01', 'x', 'anon', 404],
    ['42883', 'x', 'anon', 404],
    ['P0001', 'x', 'anon', 400],
    ['PT402', 'x', 'anon', 402],
    ['25006', 'x', 'anon', 405],
    ['21000', 'UPDATE requires a WHERE clause', 'anon', 400],
    ['21000', 'more than one row returned by a subquery', 'anon', 500],
    ['22023', 'role "x" does not exist', 'anon', 401],
    ['57P01', 'x', 'anon', 503],
    ['22P02', 'x', 'anon', 400],
    ['42703', 'x', 'anon', 400]
  ])('%s (%s) as %s → %i', (code, message, role, status) => {
    expect(statusForSqlState(code, message, role)).toBe(status);
  });
});
