// Splits a request's query string into PostgREST's parts: select, filters (root or per embed), logic trees,
// order, limit/offset, columns and on_conflict.
import { badQuery } from './errors.ts';
import { parseLogicTree, parseOperation, parseOrder, type FilterNode, type OrderTerm } from './filter_parser.ts';
import { Cursor, parseFieldRef, parseSelect, type SelectItem } from './select_parser.ts';

export interface NodeParams {
  filters: FilterNode[];
  order: OrderTerm[];
  limit: number | null;
  offset: number | null;
}

export interface ParsedQuery {
  select: SelectItem[];
  hasSelect: boolean;
  columns: string[] | null;
  onConflict: string[] | null;
  /** Keyed by embed path (`''` for the requested resource, `author.books` for a nested embed). */
  nodes: Map<string, NodeParams>;
  /** Parameters left for the caller (RPC arguments on GET). */
  rest: [string, string][];
}

const IGNORED = new Set(['apikey']);

function nodeFor(q: ParsedQuery, path: string): NodeParams {
  let n = q.nodes.get(path);
  if (!n) {
    n = { filters: [], order: [], limit: null, offset: null };
    q.nodes.set(path, n);
  }
  return n;
}

function nonNegativeInt(key: string, value: string): number {
  if (!/^\d{1,15}$/.test(value.trim())) throw badQuery(`"failed to parse ${key} parameter (${value})"`, `${key} must be a non-negative integer`);
  return Number(value.trim());
}

function parseColumnList(key: string, value: string): string[] {
  const names = value.split(',').map((s) => {
    const t = s.trim();
    const name = t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t.slice(1, -1) : t;
    if (name === '') throw badQuery(`"failed to parse ${key} parameter (${value})"`, 'empty column name');
    return name;
  });
  return names;
}

/** The keys in `rpcArgNames` are left in `rest` rather than read as filters. */
export function parseQuery(params: URLSearchParams, rpcArgNames: Set<string> = new Set()): ParsedQuery {
  const q: ParsedQuery = {
    select: [{ kind: 'star' }],
    hasSelect: false,
    columns: null,
    onConflict: null,
    nodes: new Map(),
    rest: []
  };
  nodeFor(q, '');
  for (const [key, value] of params) {
    if (IGNORED.has(key)) continue;
    if (rpcArgNames.has(key)) {
      q.rest.push([key, value]);
      continue;
    }
    if (key === 'select') {
      q.select = parseSelect(value);
      q.hasSelect = true;
      continue;
    }
    if (key === 'columns') {
      q.columns = parseColumnList(key, value);
      continue;
    }
    if (key === 'on_conflict') {
      q.onConflict = parseColumnList(key, value);
      continue;
    }
    const segments = key.split('.');
    const last = segments[segments.length - 1]!;
    const beforeLast = segments[segments.length - 2];
    if (last === 'or' || last === 'and') {
      const negate = beforeLast === 'not';
      const path = segments.slice(0, negate ? -2 : -1).join('.');
      nodeFor(q, path).filters.push(parseLogicTree(last, negate, value));
      continue;
    }
    if (last === 'order' || last === 'limit' || last === 'offset') {
      const node = nodeFor(q, segments.slice(0, -1).join('.'));
      if (last === 'order') node.order.push(...parseOrder(value));
      else node[last] = nonNegativeInt(key, value);
      continue;
    }
    // A filter: `<embed path>.<column>[->json path]`. JSON path keys never contain dots here.
    const arrowAt = key.indexOf('->');
    const head = arrowAt === -1 ? key : key.slice(0, arrowAt);
    const dot = head.lastIndexOf('.');
    const path = dot === -1 ? '' : head.slice(0, dot);
    const fieldText = key.slice(dot + 1);
    const c = new Cursor(fieldText);
    const field = parseFieldRef(c, `filter key (${key})`, ',()!:"');
    if (!c.done) c.fail(`filter key (${key})`);
    const { negate, operation } = parseOperation(value, false);
    nodeFor(q, path).filters.push({ kind: 'condition', field, negate, operation });
  }
  return q;
}
