// Parsers for PostgREST filter values (`eq.1`, `not.in.(a,"b,c")`, `fts(english).cat`), logic trees
// (`or=(a.eq.1,and(b.gt.2,c.is.null))`) and `order=` terms (supabase-api.md §3.2).
import { badQuery } from './errors.ts';
import { Cursor, parseFieldRef, type FieldRef } from './select_parser.ts';

export const SIMPLE_OPS = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  like: 'like',
  ilike: 'ilike',
  match: '~',
  imatch: '~*',
  isdistinct: 'is distinct from',
  cs: '@>',
  cd: '<@',
  ov: '&&',
  sl: '<<',
  sr: '>>',
  nxr: '&<',
  nxl: '&>',
  adj: '-|-'
} as const;

export const FTS_OPS = {
  fts: 'to_tsquery',
  plfts: 'plainto_tsquery',
  phfts: 'phraseto_tsquery',
  wfts: 'websearch_to_tsquery'
} as const;

export type SimpleOp = keyof typeof SIMPLE_OPS;
export type FtsOp = keyof typeof FTS_OPS;
const QUANTIFIABLE = new Set(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch']);

export type Operation =
  | { op: SimpleOp; value: string; quantifier: null }
  | { op: SimpleOp; value: string[]; quantifier: 'any' | 'all' }
  | { op: 'in'; value: string[] }
  | { op: 'is'; value: 'null' | 'not_null' | 'true' | 'false' | 'unknown' }
  | { op: FtsOp; value: string; config: string | null };

export interface Condition {
  kind: 'condition';
  field: FieldRef;
  negate: boolean;
  operation: Operation;
}

export interface LogicTree {
  kind: 'logic';
  op: 'and' | 'or';
  negate: boolean;
  children: (Condition | LogicTree)[];
}

export type FilterNode = Condition | LogicTree;

/** Splits `a,b,"c,d",(e,f)` on top-level commas, respecting quotes and parentheses. */
export function splitTopLevel(text: string, what: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inQuote = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuote) {
      if (ch === '\\') i++;
      else if (ch === '"') inQuote = false;
      continue;
    }
    if (ch === '"') inQuote = true;
    else if (ch === '(' || ch === '{' || ch === '[') depth++;
    else if (ch === ')' || ch === '}' || ch === ']') {
      depth--;
      if (depth < 0) throw badQuery(`"failed to parse ${what}" (${text})`, 'unbalanced parentheses');
    } else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (inQuote || depth !== 0) throw badQuery(`"failed to parse ${what}" (${text})`, 'unbalanced quotes or parentheses');
  parts.push(text.slice(start));
  return parts;
}

/** Removes surrounding double quotes and backslash escapes from one list element. */
export function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return value;
}

function parseList(text: string, open: string, close: string, what: string): string[] {
  if (!text.startsWith(open) || !text.endsWith(close)) {
    throw badQuery(`"failed to parse ${what}" (${text})`, `expected a list like ${open}a,b${close}`);
  }
  const inner = text.slice(1, -1);
  if (inner.trim() === '') return [];
  return splitTopLevel(inner, what).map(unquote);
}

/** Parses an operator and value, e.g. `not.in.(1,2)`, without the column. */
export function parseOperation(text: string, inLogic: boolean): { negate: boolean; operation: Operation } {
  let rest = text;
  let negate = false;
  if (rest.startsWith('not.')) {
    negate = true;
    rest = rest.slice(4);
  }
  const m = /^([a-z]+)(?:\(([^)]*)\))?\.([\s\S]*)$/.exec(rest);
  if (!m) throw badQuery(`"failed to parse filter (${text})"`, 'expected <operator>.<value>');
  const op = m[1]!;
  const modifier = m[2];
  let value = m[3]!;
  if (inLogic) value = unquote(value);
  const what = `filter (${text})`;
  if (op === 'in') {
    if (modifier !== undefined) throw badQuery(`"failed to parse ${what}"`);
    return { negate, operation: { op: 'in', value: parseList(value, '(', ')', what) } };
  }
  if (op === 'is') {
    const v = value.toLowerCase();
    if (modifier !== undefined || !['null', 'not_null', 'true', 'false', 'unknown'].includes(v)) {
      throw badQuery(`"failed to parse ${what}"`, 'is accepts null, not_null, true, false or unknown');
    }
    return { negate, operation: { op: 'is', value: v as 'null' } };
  }
  if (op in FTS_OPS) {
    if (modifier !== undefined && !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(modifier)) throw badQuery(`"failed to parse ${what}"`);
    return { negate, operation: { op: op as FtsOp, value, config: modifier ?? null } };
  }
  if (op in SIMPLE_OPS) {
    const simple = op as SimpleOp;
    let v = value;
    if (simple === 'like' || simple === 'ilike') v = v.replace(/\*/g, '%');
    if (modifier === undefined) return { negate, operation: { op: simple, value: v, quantifier: null } };
    if ((modifier === 'any' || modifier === 'all') && QUANTIFIABLE.has(simple)) {
      let list = parseList(value, '{', '}', what);
      if (simple === 'like' || simple === 'ilike') list = list.map((x) => x.replace(/\*/g, '%'));
      return { negate, operation: { op: simple, value: list, quantifier: modifier } };
    }
    throw badQuery(`"failed to parse ${what}"`, `unknown modifier "${modifier}"`);
  }
  throw badQuery(`"failed to parse ${what}"`, `unknown operator "${op}"`);
}

/** Parses `col->a.not.eq.5` as it appears inside a logic tree. */
function parseLogicCondition(text: string): Condition {
  const c = new Cursor(text);
  const field = parseFieldRef(c, `logic tree (${text})`, ',()!:."');
  if (!c.eat('.')) c.fail(`logic tree (${text})`);
  const { negate, operation } = parseOperation(text.slice(c.pos), true);
  return { kind: 'condition', field, negate, operation };
}

function parseLogicItem(text: string, depth: number): FilterNode {
  const t = text.trim();
  const m = /^(not\.)?(and|or)(\([\s\S]*\))$/.exec(t);
  if (m) return parseLogicTree(m[2] as 'and' | 'or', Boolean(m[1]), m[3]!, depth + 1);
  return parseLogicCondition(t);
}

/** `or=(...)` / `and=(...)` / `not.or=(...)`: the value in parentheses. */
export function parseLogicTree(op: 'and' | 'or', negate: boolean, value: string, depth = 0): LogicTree {
  if (depth > 16) throw badQuery('"failed to parse logic tree"', 'nested too deeply');
  const v = value.trim();
  if (!v.startsWith('(') || !v.endsWith(')') || v.length < 3) {
    throw badQuery(`"failed to parse logic tree (${value})"`, 'expected (<filter>,<filter>,...)');
  }
  const children = splitTopLevel(v.slice(1, -1), `logic tree (${value})`).map((p) => parseLogicItem(p, depth));
  return { kind: 'logic', op, negate, children };
}

export interface OrderTerm {
  /** Set when ordering by a column of a to-one embed: `order=author(name).desc`. */
  relation: string | null;
  field: FieldRef;
  direction: 'asc' | 'desc' | null;
  nulls: 'first' | 'last' | null;
}

export function parseOrder(value: string): OrderTerm[] {
  return splitTopLevel(value, `order (${value})`).map((raw) => {
    const c = new Cursor(raw.trim());
    let relation: string | null = null;
    let field = parseFieldRef(c, `order (${value})`);
    if (c.eat('(')) {
      if (field.path.length) c.fail(`order (${value})`);
      relation = field.name;
      field = parseFieldRef(c, `order (${value})`);
      if (!c.eat(')')) c.fail(`order (${value})`);
    }
    let direction: OrderTerm['direction'] = null;
    let nulls: OrderTerm['nulls'] = null;
    while (c.eat('.')) {
      const word = parseFieldRef(c, `order (${value})`).name;
      if (word === 'asc' || word === 'desc') direction = word;
      else if (word === 'nullsfirst') nulls = 'first';
      else if (word === 'nullslast') nulls = 'last';
      else c.fail(`order (${value})`);
    }
    if (!c.done) c.fail(`order (${value})`);
    return { relation, field, direction, nulls };
  });
}
