// INSERT/UPSERT, UPDATE and DELETE statements (supabase-api.md §3.4). The request body travels as one JSON
// parameter and PostgreSQL turns it into rows with json_populate_record.
import { RestError } from './errors.ts';
import type { TableInfo } from './schema_cache.ts';
import { ident, qualified, type SqlParams } from './sql_text.ts';

export type Returning = 'rows' | 'count' | 'keys';

export function unknownColumn(table: TableInfo, column: string): RestError {
  return new RestError(400, 'PGRST204', `Could not find the '${column}' column of '${table.name}' in the schema cache`);
}

export function checkColumns(table: TableInfo, columns: string[]): void {
  for (const c of columns) if (!table.columns.some((col) => col.name === c)) throw unknownColumn(table, c);
}

function returningSql(table: TableInfo, alias: string, returning: Returning): string {
  if (returning === 'rows') return ` returning ${alias}.*`;
  if (returning === 'keys' && table.pk.length) return ` returning ${table.pk.map((c) => `${alias}.${ident(c)}`).join(', ')}`;
  return ' returning 1';
}

export interface InsertOptions {
  table: TableInfo;
  columns: string[];
  body: string;
  missingDefault: boolean;
  onConflict: { columns: string[]; action: 'merge' | 'ignore' } | null;
  returning: Returning;
}

export function insertSql(params: SqlParams, o: InsertOptions): string {
  const target = qualified(o.table.schema, o.table.name);
  checkColumns(o.table, o.columns);
  const body = params.add(o.body);
  const rows = `json_array_elements(case when json_typeof(${body}::json) = 'array' then ${body}::json else json_build_array(${body}::json) end) as _j(v)`;
  let dml: string;
  if (o.columns.length === 0) {
    // As PostgREST: no keys is a row of column defaults per object, `{}` one and `[{}, {}]` two; the database then
    // answers as for any insert (23502 for a required column, 42501 for a policy).
    dml = `insert into ${target} as t0 select from ${rows}`;
  } else {
    const exprs = o.columns.map((c) => {
      const col = `_p.${ident(c)}`;
      if (!o.missingDefault) return col;
      const def = o.table.columns.find((x) => x.name === c)?.default ?? 'null';
      return `case when jsonb_exists(_j.v::jsonb, ${params.add(c)}) then ${col} else ${def} end`;
    });
    dml = `insert into ${target} as t0 (${o.columns.map(ident).join(', ')}) ` +
      `select ${exprs.join(', ')} from ${rows}, ` +
      `lateral json_populate_record(null::${target}, _j.v) as _p`;
  }
  if (o.onConflict) {
    checkColumns(o.table, o.onConflict.columns);
    const targetCols = o.onConflict.columns.length ? ` (${o.onConflict.columns.map(ident).join(', ')})` : '';
    if (o.onConflict.action === 'ignore') {
      dml += ` on conflict${targetCols} do nothing`;
    } else {
      if (!targetCols) throw new RestError(400, 'PGRST100', `"${o.table.name}" has no primary key; pass on_conflict to upsert`);
      const updates = o.columns.filter((c) => !o.onConflict!.columns.includes(c));
      const set = (updates.length ? updates : o.onConflict.columns).map((c) => `${ident(c)} = excluded.${ident(c)}`);
      dml += ` on conflict${targetCols} do update set ${set.join(', ')}`;
    }
  }
  return dml + returningSql(o.table, 't0', o.returning);
}

export function updateSql(params: SqlParams, table: TableInfo, columns: string[], body: string, where: string[], returning: Returning): string {
  checkColumns(table, columns);
  const target = qualified(table.schema, table.name);
  const set = columns.map((c) => `${ident(c)} = _p.${ident(c)}`).join(', ');
  return `update ${target} as t0 set ${set} from (select * from json_populate_record(null::${target}, ${params.add(body)}::json)) as _p` +
    ` where ${where.join(' and ')}${returningSql(table, 't0', returning)}`;
}

export function deleteSql(table: TableInfo, where: string[], returning: Returning): string {
  return `delete from ${qualified(table.schema, table.name)} as t0 where ${where.join(' and ')}${returningSql(table, 't0', returning)}`;
}
