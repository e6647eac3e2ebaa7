// Turns a parsed request into the one SQL statement run inside the request transaction.
import { RestError, badBody } from './errors.ts';
import type { Preferences } from './prefer.ts';
import { parseQuery, type NodeParams, type ParsedQuery } from './query_params.ts';
import { aggregateSql, buildNode, newContext, readSql, whereSql } from './read_sql.ts';
import { argNamesOf, callFromSql, resolveFunction, resultShape, resultTable, type ResultShape } from './rpc_sql.ts';
import { key, type SchemaSnapshot, type TableInfo } from './schema_cache.ts';
import type { SelectItem } from './select_parser.ts';
import { ident, qualified, SqlParams } from './sql_text.ts';
import { deleteSql, insertSql, updateSql, type Returning } from './write_sql.ts';

export type PlanKind = 'read' | 'insert' | 'update' | 'delete' | 'rpc';

export interface Plan {
  kind: PlanKind;
  sql: string;
  values: unknown[];
  readOnly: boolean;
  offset: number;
  counted: boolean;
  returning: Returning | null;
  shape: ResultShape | null;
  table: TableInfo | null;
}

export interface PlanInput {
  method: string;
  schema: string;
  /** Table/view name, or the function name when `rpc` is true. */
  name: string;
  rpc: boolean;
  search: URLSearchParams;
  /** Parsed JSON body (undefined when there is none). */
  body: unknown;
  bodyText: string | null;
  prefs: Preferences;
  range: { offset: number; limit: number | null } | null;
}

export function findTable(snap: SchemaSnapshot, schema: string, name: string): TableInfo {
  const t = snap.tables.get(key(schema, name));
  if (!t) {
    throw new RestError(404, 'PGRST205', `Could not find the table '${schema}.${name}' in the schema cache`, null, null);
  }
  return t;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function withoutRootFilters(nodes: Map<string, NodeParams>): Map<string, NodeParams> {
  const copy = new Map(nodes);
  copy.set('', { filters: [], order: [], limit: null, offset: null });
  return copy;
}

/** Column list for an insert: `columns=` if given, else the body's keys (identical in every array element). */
function insertColumns(query: ParsedQuery, body: unknown): string[] {
  if (query.columns) return query.columns;
  if (isObject(body)) return Object.keys(body);
  const rows = body as unknown[];
  if (rows.length === 0) return [];
  const first = Object.keys(rows[0] as object).sort();
  for (const row of rows) {
    const keys = Object.keys(row as object).sort();
    if (keys.length !== first.length || keys.some((k, i) => k !== first[i])) throw badBody('All object keys must match');
  }
  return Object.keys(rows[0] as object);
}

function representation(snap: SchemaSnapshot, params: SqlParams, table: TableInfo, query: ParsedQuery, dml: string, returning: Returning): string {
  const source = `with pgrst_source as (${dml}) `;
  if (returning === 'count') {
    return `${source}select count(*)::int as page_count, '[]'::text as body, null::text as single, null::bigint as total from pgrst_source`;
  }
  if (returning === 'keys') return source + aggregateSql('select * from pgrst_source as t0', 'null::bigint');
  const ctx = newContext(snap, params, withoutRootFilters(query.nodes));
  const node = buildNode(ctx, table, 't0', query.select, '');
  return source + aggregateSql(`select ${node.select} from pgrst_source as t0`, 'null::bigint');
}

function returningFor(prefs: Preferences): Returning {
  if (prefs.return === 'representation') return 'rows';
  if (prefs.return === 'headers-only') return 'keys';
  return 'count';
}

function emptyResult(): string {
  return `select 0 as page_count, '[]'::text as body, null::text as single, null::bigint as total`;
}

export function planRequest(snap: SchemaSnapshot, input: PlanInput): Plan {
  const params = new SqlParams();
  const base = { values: params.values, offset: 0, counted: input.prefs.count !== null, returning: null, shape: null };
  if (input.rpc) return planRpc(snap, params, input);

  const table = findTable(snap, input.schema, input.name);
  const query = parseQuery(input.search);
  const root = query.nodes.get('')!;
  const from = `${qualified(table.schema, table.name)} as t0`;

  if (input.method === 'GET' || input.method === 'HEAD') {
    const ctx = newContext(snap, params, query.nodes);
    const node = buildNode(ctx, table, 't0', query.select, '');
    const offset = root.offset ?? input.range?.offset ?? 0;
    const limit = root.limit ?? input.range?.limit ?? null;
    const sql = readSql({ from, node, count: base.counted, limit, offset });
    return { ...base, kind: 'read', sql, readOnly: true, offset, table };
  }

  const returning = returningFor(input.prefs);
  if (input.method === 'POST') {
    const body = input.body;
    if (!isObject(body) && !(Array.isArray(body) && body.every(isObject))) {
      throw badBody('Empty or invalid json', 'The request body must be a JSON object or an array of JSON objects');
    }
    if (Array.isArray(body) && body.length === 0) {
      return { ...base, kind: 'insert', sql: emptyResult(), readOnly: false, returning, table };
    }
    const columns = insertColumns(query, body);
    const onConflict = input.prefs.resolution
      ? { columns: query.onConflict ?? table.pk, action: input.prefs.resolution === 'merge-duplicates' ? ('merge' as const) : ('ignore' as const) }
      : null;
    const dml = insertSql(params, {
      table,
      columns,
      body: input.bodyText ?? JSON.stringify(body),
      missingDefault: input.prefs.missing === 'default',
      onConflict,
      returning
    });
    return { ...base, kind: 'insert', sql: representation(snap, params, table, query, dml, returning), readOnly: false, returning, table };
  }

  // PATCH and DELETE need a filter, as pg-safeupdate enforces for the API roles on Supabase.
  const ctx = newContext(snap, params, query.nodes);
  const where = whereSql(ctx, 't0', table, root.filters);
  if (where.length === 0) {
    const verb = input.method === 'PATCH' ? 'UPDATE' : 'DELETE';
    throw new RestError(400, '21000', `${verb} requires a WHERE clause`);
  }
  if (input.method === 'PATCH') {
    const body = input.body;
    if (!isObject(body)) throw badBody('Empty or invalid json', 'The request body must be a JSON object');
    const columns = query.columns ?? Object.keys(body);
    // Nothing to set: PostgREST runs no UPDATE and answers an empty result; the filter's parameters are not sent.
    if (columns.length === 0) return { ...base, values: [], kind: 'update', sql: emptyResult(), readOnly: false, returning, table };
    const dml = updateSql(params, table, columns, input.bodyText ?? JSON.stringify(body), where, returning);
    return { ...base, kind: 'update', sql: representation(snap, params, table, query, dml, returning), readOnly: false, returning, table };
  }
  const dml = deleteSql(table, where, returning);
  return { ...base, kind: 'delete', sql: representation(snap, params, table, query, dml, returning), readOnly: false, returning, table };
}

function planRpc(snap: SchemaSnapshot, params: SqlParams, input: PlanInput): Plan {
  const viaQuery = input.method === 'GET' || input.method === 'HEAD';
  const argNames = viaQuery ? argNamesOf(snap, input.schema, input.name) : new Set<string>();
  const query = parseQuery(input.search, argNames);
  let args: unknown;
  if (viaQuery) {
    args = Object.fromEntries(query.rest);
  } else {
    args = input.body === undefined ? {} : input.body;
    if (typeof args !== 'object' || args === null) throw badBody('Empty or invalid json', 'RPC arguments must be a JSON object');
  }
  const keys = isObject(args) ? Object.keys(args) : [];
  const call = resolveFunction(snap, input.schema, input.name, keys, true);
  if (!isObject(args) && call.passing !== 'body') throw badBody('Empty or invalid json', 'RPC arguments must be a JSON object');
  const fn = call.fn;
  const shape = resultShape(fn);
  const readOnly = viaQuery || fn.volatility !== 'v';
  const argsJson = viaQuery || input.bodyText === null ? JSON.stringify(args) : input.bodyText;
  const from = callFromSql(params, call, argsJson);
  const root = query.nodes.get('')!;
  const counted = input.prefs.count !== null;
  const base = { kind: 'rpc' as const, values: params.values, readOnly, counted, returning: null, shape, table: null };
  if (shape === 'void') {
    return { ...base, sql: `select count(*)::int as page_count, 'null'::text as body, null::text as single, null::bigint as total from ${from}`, offset: 0 };
  }
  if (shape === 'scalar') {
    const value = `to_json(t0.${ident(fn.name)})::text`;
    return { ...base, sql: `select 1 as page_count, ${value} as body, ${value} as single, null::bigint as total from ${from}`, offset: 0 };
  }
  const ctx = newContext(snap, params, query.nodes);
  const offset = root.offset ?? input.range?.offset ?? 0;
  const limit = root.limit ?? input.range?.limit ?? null;
  if (shape === 'setof-scalar') {
    const pseudo: TableInfo = {
      oid: 0, schema: fn.schema, name: fn.name, kind: 'f', pk: [], uniques: [],
      columns: [{ name: fn.name, type: fn.returnType, nullable: true, generated: false, default: null }]
    };
    const items: SelectItem[] = [{ kind: 'field', alias: null, field: { name: fn.name, path: [] }, cast: null }];
    const node = buildNode(ctx, pseudo, 't0', items, '');
    const sql = readSql({ from, node, count: counted, limit, offset, element: `_r.${ident(fn.name)}` });
    return { ...base, sql, offset };
  }
  const node = buildNode(ctx, resultTable(snap, fn), 't0', query.select, '');
  const sql = readSql({ from, node, count: counted, limit, offset });
  return { ...base, sql, offset };
}
