// Stripe's request encoding: application/x-www-form-urlencoded with bracketed nesting, as stripe-node sends it
// (`metadata[user_id]=…`, `line_items[0][price_data][unit_amount]=…`, `expand[0]=…`). Values stay strings; the
// handlers coerce what they read.

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/** Splits `a[b][0][c]` into ['a', 'b', '0', 'c']; a malformed key is kept whole. */
export function keyPath(key: string): string[] {
  const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!m) return [key];
  const rest = [...m[2]!.matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1]!);
  return [m[1]!, ...rest];
}

function toArrays(v: FormValue): FormValue {
  if (typeof v === 'string' || Array.isArray(v)) return v;
  const keys = Object.keys(v);
  const entries = keys.map((k) => [k, toArrays(v[k]!)] as const);
  // Objects keyed 0..n-1 (or by empty brackets) are arrays.
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return entries.sort((a, b) => Number(a[0]) - Number(b[0])).map(([, x]) => x);
  }
  return Object.fromEntries(entries);
}

export function parseForm(body: string): FormObject {
  const root: { [key: string]: FormValue } = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = keyPath(rawKey);
    let node: { [key: string]: FormValue } = root;
    for (let i = 0; i < path.length; i++) {
      let seg = path[i]!;
      if (seg === '') seg = String(Object.keys(node).length); // `a[]=x` appends
      if (i === path.length - 1) {
        node[seg] = value;
      } else {
        const next = node[seg];
        if (typeof next !== 'object' || Array.isArray(next)) node[seg] = {};
        node = node[seg] as { [key: string]: FormValue };
      }
    }
  }
  return toArrays(root) as FormObject;
}

export function str(v: FormValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function int(v: FormValue | undefined): number | undefined {
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

export function bool(v: FormValue | undefined): boolean | undefined {
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

export function obj(v: FormValue | undefined): FormObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

export function list(v: FormValue | undefined): FormValue[] {
  if (Array.isArray(v)) return v;
  if (v === undefined) return [];
  return [v];
}

/** metadata[...] as Stripe stores it: string values only. */
export function metadata(v: FormValue | undefined): Record<string, string> {
  const o = obj(v);
  if (!o) return {};
  return Object.fromEntries(Object.entries(o).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
}
