// Builds the SQL that reads rows and their embeds, with PostgreSQL producing the JSON (supabase-api.md §3.3):
// one correlated subquery per embed, filters/order/limit per node, all values as bound parameters.
import { RestError, badQuery } from './errors.ts';
import { FTS_OPS, SIMPLE_OPS, type Condition, type FilterNode, type OrderTerm } from './filter_parser.ts';
import type { NodeParams } from './query_params.ts';
import { resolveRelationship, type Relationship } from './relationships.ts';
import type { SchemaSnapshot, TableInfo } from './schema_cache.ts';
import type { FieldRef, SelectItem } from './select_parser.ts';
import { ident, qualified, type SqlParams } from './sql_text.ts';

export interface BuildContext {
  snap: SchemaSnapshot;
  params: SqlParams;
  nodes: Map<string, NodeParams>;
  nextAlias: number;
}

/** The pieces of one level of a read: select list, conditions, ordering and paging. */
export interface NodeSql {
  select: string;
  where: string[];
  orderBy: string;
  limit: number | null;
  offset: number | null;
}

interface PlannedEmbed {
  name: string;
  rel: Relationship;
  alias: string;
  node: NodeSql;
  inner: boolean;
}

/** Operators whose right-hand side should take the column's own type (arrays, ranges, json). */
const TYPED_RHS = new Set(['cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj']);
const MAX_DEPTH = 8;

function emptyParams(): NodeParams {
  return { filters: [], order: [], limit: null, offset: null };
}

export function fieldSql(params: SqlParams, alias: string, field: FieldRef): string {
  let expr = `${alias}.${ident(field.name)}`;
  for (const step of field.path) {
    const isIndex = /^-?\d+$/.test(step.key);
    expr = `(${expr}${step.arrow}${params.add(isIndex ? Number(step.key) : step.key)}::${isIndex ? 'int' : 'text'})`;
  }
  return expr;
}

function columnType(table: TableInfo | null, field: FieldRef): string | null {
  if (!table || field.path.length) return null;
  return table.columns.find((c) => c.name === field.name)?.type ?? null;
}

export function conditionSql(params: SqlParams, alias: string, table: TableInfo | null, cond: Condition): string {
  const expr = fieldSql(params, alias, cond.field);
  const o = cond.operation;
  let sql: string;
  if (o.op === 'in') {
    sql = `${expr} = any(${params.add(o.value)})`;
  } else if (o.op === 'is') {
    sql = o.value === 'not_null' ? `${expr} is not null` : `${expr} is ${o.value}`;
  } else if (o.op in FTS_OPS) {
    const fts = o as { op: keyof typeof FTS_OPS; value: string; config: string | null };
    const cfg = fts.config === null ? '' : `${params.add(fts.config)}::regconfig, `;
    const type = columnType(table, cond.field);
    const doc = type === 'tsvector' ? expr : `to_tsvector(${cfg}${expr}${type && /json/.test(type) ? '' : '::text'})`;
    sql = `${doc} @@ ${FTS_OPS[fts.op]}(${cfg}${params.add(fts.value)})`;
  } else {
    const simple = o as { op: keyof typeof SIMPLE_OPS; value: string | string[]; quantifier: 'any' | 'all' | null };
    const sqlOp = SIMPLE_OPS[simple.op];
    if (simple.quantifier) {
      sql = `${expr} ${sqlOp} ${simple.quantifier}(${params.add(simple.value)})`;
    } else {
      const type = TYPED_RHS.has(simple.op) ? columnType(table, cond.field) : null;
      sql = `${expr} ${sqlOp} ${params.add(simple.value)}${type ? `::${type}` : ''}`;
    }
  }
  return cond.negate ? `not (${sql})` : sql;
}

/** The AND-ed conditions of a filter list on one level (used as the WHERE of UPDATE/DELETE). */
export function whereSql(ctx: BuildContext, alias: string, table: TableInfo | null, filters: FilterNode[]): string[] {
  return filters.map((f) => filterSql(ctx, alias, table, f));
}

function filterSql(ctx: BuildContext, alias: string, table: TableInfo | null, node: FilterNode): string {
  if (node.kind === 'condition') return conditionSql(ctx.params, alias, table, node);
  const parts = node.children.map((c) => filterSql(ctx, alias, table, c));
  const sql = `(${parts.join(node.op === 'or' ? ' or ' : ' and ')})`;
  return node.negate ? `not ${sql}` : sql;
}

function joinSql(rel: Relationship, parentAlias: string, childAlias: string): string[] {
  return rel.pairs.map((p) => `${childAlias}.${ident(p.target)} = ${parentAlias}.${ident(p.source)}`);
}

function orderTermSql(ctx: BuildContext, alias: string, table: TableInfo | null, embeds: PlannedEmbed[], term: OrderTerm): string {
  let expr: string;
  if (term.relation !== null) {
    if (!table) throw badQuery(`"failed to parse order" (${term.relation})`, 'related ordering needs a table');
    const planned = embeds.find((e) => e.name === term.relation);
    const rel = planned?.rel ?? resolveRelationship(ctx.snap, table, term.relation, null);
    if (rel.toMany) {
      throw new RestError(400, 'PGRST118', `A related order on '${term.relation}' is not possible`, `'${table.name}' and '${term.relation}' do not form a many-to-one or one-to-one relationship`);
    }
    const a = `t${ctx.nextAlias++}`;
    expr = `(select ${fieldSql(ctx.params, a, term.field)} from ${qualified(rel.target.schema, rel.target.name)} as ${a} where ${joinSql(rel, alias, a).join(' and ')} limit 1)`;
  } else {
    expr = fieldSql(ctx.params, alias, term.field);
  }
  return `${expr}${term.direction ? ` ${term.direction}` : ''}${term.nulls ? ` nulls ${term.nulls}` : ''}`;
}

function outputName(item: { alias: string | null; field: FieldRef }): string {
  if (item.alias) return item.alias;
  const last = item.field.path[item.field.path.length - 1];
  return last ? last.key : item.field.name;
}

function embedSubquery(e: PlannedEmbed, parentAlias: string): string {
  const from = `${qualified(e.rel.target.schema, e.rel.target.name)} as ${e.alias}`;
  const where = [...joinSql(e.rel, parentAlias, e.alias), ...e.node.where].join(' and ');
  const paging = `${e.node.limit !== null ? ` limit ${e.node.limit}` : ''}${e.node.offset !== null ? ` offset ${e.node.offset}` : ''}`;
  const inner = `select ${e.node.select} from ${from} where ${where}${e.node.orderBy}`;
  const j = `_j${e.alias}`;
  if (e.rel.toMany) return `coalesce((select json_agg(${j}) from (${inner}${paging}) as ${j}), '[]'::json)`;
  return `(select row_to_json(${j}) from (${inner} limit 1) as ${j})`;
}

function existsSql(e: PlannedEmbed, parentAlias: string): string {
  const where = [...joinSql(e.rel, parentAlias, e.alias), ...e.node.where].join(' and ');
  return `exists (select 1 from ${qualified(e.rel.target.schema, e.rel.target.name)} as ${e.alias} where ${where})`;
}

/**
 * Plans one level: `table` may be null for a function result without a known row type (no embeds then).
 * `path` is the embed path used to find this level's filters/order/limit in the query string.
 */
export function buildNode(
  ctx: BuildContext,
  table: TableInfo | null,
  alias: string,
  items: SelectItem[],
  path: string,
  depth = 0
): NodeSql {
  if (depth > MAX_DEPTH) throw badQuery('"failed to parse select"', 'embedding is nested too deeply');
  const params = ctx.nodes.get(path) ?? emptyParams();
  const embeds: PlannedEmbed[] = [];
  const columns: string[] = [];
  for (const item of items) {
    if (item.kind === 'star') {
      columns.push(`${alias}.*`);
    } else if (item.kind === 'field') {
      let expr = fieldSql(ctx.params, alias, item.field);
      if (item.cast) expr = `(${expr})::${item.cast}`;
      columns.push(`${expr} as ${ident(outputName(item))}`);
    } else {
      if (!table) throw new RestError(400, 'PGRST200', `Could not find a relationship for '${item.relation}' in the schema cache`);
      const rel = resolveRelationship(ctx.snap, table, item.relation, item.hint);
      const name = item.alias ?? item.relation;
      const childPath = path ? `${path}.${name}` : name;
      const childAlias = `t${ctx.nextAlias++}`;
      if (item.spread) {
        if (rel.toMany) throw new RestError(400, 'PGRST119', `A spread operation on '${item.relation}' is not possible`, `'${table.name}' and '${item.relation}' do not form a many-to-one or one-to-one relationship`);
        const spreadNode = buildNode(ctx, rel.target, childAlias, item.select, childPath, depth + 1);
        const planned: PlannedEmbed = { name, rel, alias: childAlias, node: spreadNode, inner: false };
        embeds.push(planned);
        const sub = `(select row_to_json(_s${childAlias}) from (select ${spreadNode.select} from ${qualified(rel.target.schema, rel.target.name)} as ${childAlias} where ${[...joinSql(rel, alias, childAlias), ...spreadNode.where].join(' and ')} limit 1) as _s${childAlias})`;
        // Each spread column is read back out of the embedded object so the names match the select list.
        for (const sub_item of item.select) {
          if (sub_item.kind !== 'field') throw badQuery('"failed to parse select"', 'a spread embed may only list columns');
          const out = outputName(sub_item);
          columns.push(`(${sub}->${ctx.params.add(out)}::text) as ${ident(out)}`);
        }
        continue;
      }
      const node = buildNode(ctx, rel.target, childAlias, item.select.length ? item.select : [], childPath, depth + 1);
      const planned: PlannedEmbed = { name, rel, alias: childAlias, node, inner: item.joinType === 'inner' };
      embeds.push(planned);
      if (item.select.length) columns.push(`${embedSubquery(planned, alias)} as ${ident(name)}`);
    }
  }
  const where: string[] = [];
  for (const f of params.filters) {
    // `embed=is.null` / `embed=not.is.null` filter parents by the presence of a related row.
    if (f.kind === 'condition' && f.field.path.length === 0 && f.operation.op === 'is') {
      const e = embeds.find((x) => x.name === f.field.name);
      if (e && (f.operation.value === 'null' || f.operation.value === 'not_null')) {
        const present = (f.operation.value === 'not_null') !== f.negate;
        where.push(present ? existsSql(e, alias) : `not ${existsSql(e, alias)}`);
        continue;
      }
    }
    where.push(filterSql(ctx, alias, table, f));
  }
  for (const e of embeds) if (e.inner) where.push(existsSql(e, alias));
  const order = params.order.map((t) => orderTermSql(ctx, alias, table, embeds, t));
  return {
    select: columns.length ? columns.join(', ') : 'null as "_pgrst_empty"',
    where,
    orderBy: order.length ? ` order by ${order.join(', ')}` : '',
    limit: params.limit,
    offset: params.offset
  };
}

export const MAX_ROWS = 1000;

export interface ReadSqlOptions {
  /** FROM item for the top level, aliased t0 by the caller's convention. */
  from: string;
  node: NodeSql;
  count: boolean;
  /** Overrides the node's own limit/offset (Range header). */
  limit: number | null;
  offset: number | null;
  maxRows?: number;
  /** What each result row contributes to the JSON array: the whole row, or one column for SETOF scalars. */
  element?: string;
}

/** The top-level read: one row with the page size, the JSON body, the single object and the exact total. */
export function readSql(o: ReadSqlOptions): string {
  const where = o.node.where.length ? ` where ${o.node.where.join(' and ')}` : '';
  const limit = Math.min(o.limit ?? Infinity, o.maxRows ?? MAX_ROWS);
  const offset = o.offset ?? 0;
  const page = `select ${o.node.select} from ${o.from}${where}${o.node.orderBy} limit ${limit} offset ${offset}`;
  const total = o.count ? `(select count(*) from ${o.from}${where})` : 'null::bigint';
  return aggregateSql(page, total, o.element ?? '_r');
}

/** Wraps a row source into the one-row result every request reads back. */
export function aggregateSql(rows: string, total: string, element = '_r'): string {
  return `select count(*)::int as page_count, coalesce(json_agg(${element}), '[]'::json)::text as body, ` +
    `case when count(*) = 1 then (json_agg(${element})->0)::text end as single, ${total} as total from (${rows}) as _r`;
}

export function newContext(snap: SchemaSnapshot, params: SqlParams, nodes: Map<string, NodeParams>): BuildContext {
  return { snap, params, nodes, nextAlias: 1 };
}
