// postgres_changes filters (`col=op.value`), as realtime-js's filter builder writes them: eq, neq, lt, lte, gt,
// gte, in (every server), and like, ilike, match, imatch, is, isdistinct with an optional `not.` prefix (newer
// servers); comma-joined filters mean AND. Matching follows SQL's three-valued logic: NULL never passes.

export type FilterOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'like' | 'ilike' | 'match' | 'imatch' | 'is' | 'isdistinct';

export interface ColumnFilter {
  column: string;
  op: FilterOp;
  negate: boolean;
  /** One value, or the list for `in`. */
  values: string[];
}

const OPS: ReadonlySet<string> = new Set(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'like', 'ilike', 'match', 'imatch', 'is', 'isdistinct']);
const PART = /^([^=,()"]+)=(?:not\.)?([a-z]+)\.([\s\S]*)$/;
const NEGATED = /^[^=,()"]+=not\./;

export class FilterError extends Error {}

/** Splits `a=eq.1,b=in.(x,y)` into its parts; a comma only starts a new part when `col=op.` follows it. */
function splitParts(filter: string): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i]!;
    if (quoted) {
      current += ch;
      if (ch === '\\' && i + 1 < filter.length) current += filter[++i];
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      const rest = filter.slice(i + 1);
      const m = PART.exec(rest.split(',')[0] ?? '');
      if (m && OPS.has(m[2]!)) {
        parts.push(current);
        current = '';
        continue;
      }
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

/** Parses `(a,"b,c",d)` into its items, honouring double quotes and backslash escapes. */
export function parseInList(raw: string): string[] {
  const text = raw.trim();
  if (!text.startsWith('(') || !text.endsWith(')')) throw new FilterError(`"in" expects a list in parentheses, got "${raw}"`);
  const inner = text.slice(1, -1);
  const items: string[] = [];
  let current = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (quoted) {
      if (ch === '\\' && i + 1 < inner.length) current += inner[++i];
      else if (ch === '"') quoted = false;
      else current += ch;
      continue;
    }
    if (ch === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (ch === ',') {
      items.push(wasQuoted ? current : current.trim());
      current = '';
      wasQuoted = false;
    } else current += ch;
  }
  if (quoted) throw new FilterError(`unterminated quote in "in" list "${raw}"`);
  if (inner.trim() !== '' || wasQuoted) items.push(wasQuoted ? current : current.trim());
  return items;
}

export function parseFilter(filter: string | null | undefined): ColumnFilter[] {
  if (filter === null || filter === undefined || filter.trim() === '') return [];
  return splitParts(filter).map((part) => {
    const m = PART.exec(part.trim());
    if (!m) throw new FilterError(`filter "${part}" is not of the form column=operator.value`);
    const column = m[1]!.trim();
    const op = m[2]!;
    const negate = NEGATED.test(part.trim());
    if (!OPS.has(op)) {
      throw new FilterError(`filter operator "${op}" is not supported; use eq, neq, lt, lte, gt, gte, in, like, ilike, match, imatch, is or isdistinct`);
    }
    const raw = m[3]!;
    if (op === 'in') return { column, op: 'in', negate, values: parseInList(raw) };
    let value = raw;
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    if (op === 'is' && !['null', 'true', 'false', 'unknown'].includes(value.toLowerCase())) {
      throw new FilterError(`"is" takes null, true, false or unknown, got "${value}"`);
    }
    return { column, op: op as FilterOp, negate, values: [value] };
  });
}

const NUMERIC = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid', 'money']);
const TEMPORAL = new Set(['timestamp', 'timestamptz', 'date', 'time', 'timetz']);

type Comparable = number | string | boolean;

function coerce(value: unknown, type: string): Comparable | null {
  if (value === null || value === undefined) return null;
  if (NUMERIC.has(type)) {
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isNaN(n) ? String(value) : n;
  }
  if (type === 'bool') {
    if (typeof value === 'boolean') return value;
    const s = String(value).toLowerCase();
    if (['t', 'true', 'yes', 'on', '1'].includes(s)) return true;
    if (['f', 'false', 'no', 'off', '0'].includes(s)) return false;
    return s;
  }
  if (TEMPORAL.has(type) && (type.startsWith('timestamp') || type === 'date')) {
    const t = Date.parse(String(value).replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
    if (!Number.isNaN(t)) return t;
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function compare(a: Comparable, b: Comparable): number | null {
  if (typeof a !== typeof b) return null;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** SQL LIKE (PostgREST also accepts `*` for `%`) as an anchored regular expression. */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (ch === '%' || ch === '*') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, caseInsensitive ? 'i' : '');
}

/** One filter under SQL's three-valued logic: true, false, or null (unknown). */
function evaluate(f: ColumnFilter, raw: unknown, type: string): boolean | null {
  if (f.op === 'is') {
    const want = f.values[0]!.toLowerCase();
    if (want === 'null' || want === 'unknown') return raw === null || raw === undefined;
    const v = coerce(raw, 'bool');
    return v === (want === 'true');
  }
  const left = coerce(raw, type);
  if (f.op === 'isdistinct') {
    const right = f.values[0]!.toLowerCase() === 'null' ? null : coerce(f.values[0], type);
    if (left === null || right === null) return left !== right;
    return compare(left, right) !== 0;
  }
  if (left === null) return null;
  if (f.op === 'in') return f.values.some((v) => { const r = coerce(v, type); return r !== null && compare(left, r) === 0; });
  if (f.op === 'like' || f.op === 'ilike') return likeToRegExp(f.values[0]!, f.op === 'ilike').test(String(raw));
  if (f.op === 'match' || f.op === 'imatch') {
    try {
      return new RegExp(f.values[0]!, f.op === 'imatch' ? 'i' : '').test(String(raw));
    } catch {
      return null;
    }
  }
  const right = coerce(f.values[0], type);
  if (right === null) return null;
  const c = compare(left, right);
  if (c === null) return f.op === 'neq';
  switch (f.op) {
    case 'eq': return c === 0;
    case 'neq': return c !== 0;
    case 'lt': return c < 0;
    case 'lte': return c <= 0;
    case 'gt': return c > 0;
    default: return c >= 0;
  }
}

/** Whether a row passes every filter; `types` maps column name to its pg type name (typname). */
export function matchesFilters(filters: ColumnFilter[], row: Record<string, unknown>, types: Record<string, string>): boolean {
  for (const f of filters) {
    const result = evaluate(f, row[f.column], types[f.column] ?? 'text');
    if (result === null) return false;
    if ((f.negate ? !result : result) !== true) return false;
  }
  return true;
}
