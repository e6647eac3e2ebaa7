// RPC resolution and call SQL (supabase-api.md §3.7): pick the overload whose argument names match the JSON
// keys (defaults allowed), or a single unnamed json/jsonb parameter that takes the whole body.
import { RestError } from './errors.ts';
import type { FunctionArg, FunctionInfo, SchemaSnapshot, TableInfo } from './schema_cache.ts';
import { key } from './schema_cache.ts';
import { ident, qualified, type SqlParams } from './sql_text.ts';

export type ResultShape = 'void' | 'scalar' | 'setof-scalar' | 'row' | 'setof-row';

export interface ResolvedCall {
  fn: FunctionInfo;
  /** Named arguments passed, or 'body' when the single unnamed json parameter takes the whole body. */
  passing: string[] | 'body';
}

export function inputArgs(fn: FunctionInfo): FunctionArg[] {
  return fn.args.filter((a) => a.mode === 'i' || a.mode === 'b' || a.mode === 'v');
}

export function argNamesOf(snap: SchemaSnapshot, schema: string, name: string): Set<string> {
  const names = new Set<string>();
  for (const fn of snap.functions.get(key(schema, name)) ?? []) for (const a of inputArgs(fn)) if (a.name) names.add(a.name);
  return names;
}

function takesWholeBody(fn: FunctionInfo): boolean {
  const ins = inputArgs(fn);
  return ins.length === 1 && ins[0]!.name === '' && (ins[0]!.type === 'json' || ins[0]!.type === 'jsonb');
}

export function resolveFunction(snap: SchemaSnapshot, schema: string, name: string, keys: string[], bodyIsObject: boolean): ResolvedCall {
  const overloads = snap.functions.get(key(schema, name)) ?? [];
  const named = overloads.filter((fn) => {
    const ins = inputArgs(fn);
    if (ins.some((a) => a.name === '')) return ins.length === 0;
    const required = ins.slice(0, ins.length - fn.defaults);
    return keys.every((k) => ins.some((a) => a.name === k)) && required.every((a) => keys.includes(a.name));
  });
  if (named.length === 1) return { fn: named[0]!, passing: keys };
  if (named.length > 1) {
    throw new RestError(
      300,
      'PGRST203',
      `Could not choose the best candidate function between: ${named.map((f) => `${schema}.${name}(${inputArgs(f).map((a) => `${a.name} => ${a.type}`).join(', ')})`).join(', ')}`,
      null,
      'Try renaming the parameters or the function itself in the database so function overloading can be resolved'
    );
  }
  const whole = overloads.filter(takesWholeBody);
  if (whole.length === 1 && bodyIsObject) return { fn: whole[0]!, passing: 'body' };
  throw new RestError(
    404,
    'PGRST202',
    `Could not find the function ${schema}.${name}${keys.length ? `(${[...keys].sort().join(', ')})` : ' without parameters'} in the schema cache`,
    `Searched for the function ${schema}.${name}${keys.length ? ` with parameters ${[...keys].sort().join(', ')}` : ' without parameters'} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
    null
  );
}

export function resultShape(fn: FunctionInfo): ResultShape {
  const outs = fn.args.filter((a) => a.mode === 'o' || a.mode === 'b' || a.mode === 't');
  const composite = fn.returnKind === 'c' || (fn.returnType === 'record' && outs.length > 0);
  if (fn.returnType === 'void') return 'void';
  if (composite) return fn.returnsSet ? 'setof-row' : 'row';
  return fn.returnsSet ? 'setof-scalar' : 'scalar';
}

/** The row type's table when the function returns rows of an exposed table (enables embeds). */
export function resultTable(snap: SchemaSnapshot, fn: FunctionInfo): TableInfo | null {
  return fn.returnTableOid === null ? null : snap.tablesByOid.get(fn.returnTableOid) ?? null;
}

/**
 * FROM item calling the function as `t0`. Named arguments are converted from the JSON body by
 * json_to_record with the declared types; scalar results get the function's name as their column.
 */
export function callFromSql(params: SqlParams, call: ResolvedCall, argsJson: string): string {
  const fn = call.fn;
  const shape = resultShape(fn);
  const alias = shape === 'scalar' || shape === 'setof-scalar' || shape === 'void' ? `t0(${ident(fn.name)})` : 't0';
  const target = qualified(fn.schema, fn.name);
  if (call.passing === 'body') {
    const type = inputArgs(fn)[0]!.type;
    return `${target}(${params.add(argsJson)}::${type}) as ${alias}`;
  }
  if (call.passing.length === 0) return `${target}() as ${alias}`;
  const ins = inputArgs(fn).filter((a) => (call.passing as string[]).includes(a.name));
  const record = ins.map((a) => `${ident(a.name)} ${a.type}`).join(', ');
  const named = ins.map((a) => `${ident(a.name)} => _a.${ident(a.name)}`).join(', ');
  return `json_to_record(${params.add(argsJson)}::json) as _a(${record}) cross join lateral ${target}(${named}) as ${alias}`;
}
