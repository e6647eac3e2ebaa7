// The schema cache: tables, views, columns, keys, foreign keys, functions and role settings read from the
// catalog, reloaded on `NOTIFY pgrst` and when a request names something the cache does not know.
import type pg from 'pg';

export interface ColumnInfo {
  name: string;
  type: string;
  nullable: boolean;
  generated: boolean;
  /** Default expression as SQL text from the catalog (identity columns get their sequence's nextval). */
  default: string | null;
}

export interface TableInfo {
  oid: number;
  schema: string;
  name: string;
  kind: string;
  columns: ColumnInfo[];
  pk: string[];
  /** Column sets under a primary key or unique constraint. */
  uniques: string[][];
}

export interface ForeignKey {
  name: string;
  schema: string;
  table: string;
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
}

export interface FunctionArg {
  name: string;
  type: string;
  mode: 'i' | 'o' | 'b' | 'v' | 't';
}

export interface FunctionInfo {
  schema: string;
  name: string;
  volatility: 'i' | 's' | 'v';
  returnsSet: boolean;
  returnType: string;
  /** 'c' when the result is a row type, 'p' for pseudo types like void/record, else scalar. */
  returnKind: string;
  returnTableOid: number | null;
  args: FunctionArg[];
  /** How many trailing input arguments have defaults. */
  defaults: number;
}

export interface SchemaSnapshot {
  fingerprint: string;
  tables: Map<string, TableInfo>;
  tablesByOid: Map<number, TableInfo>;
  fks: ForeignKey[];
  functions: Map<string, FunctionInfo[]>;
  /** Roles the API may switch to, with their per-role settings (e.g. statement_timeout). */
  roles: Map<string, Record<string, string>>;
  allRoles: Set<string>;
}

export const key = (schema: string, name: string): string => `${schema}\u0000${name}`;

const TABLES_SQL = `
select c.oid::int as oid, n.nspname as schema, c.relname as name, c.relkind as kind,
  coalesce((
    select json_agg(json_build_object(
      'name', a.attname,
      'type', format_type(a.atttypid, a.atttypmod),
      'nullable', not a.attnotnull,
      'generated', a.attgenerated <> '',
      'default', case
        when a.attidentity <> '' then format('nextval(%L::regclass)', pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname))
        else pg_get_expr(d.adbin, d.adrelid) end
    ) order by a.attnum)
    from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '[]') as columns,
  coalesce((
    select json_agg(cols) from (
      select (select json_agg(a.attname order by k.ord) from unnest(con.conkey) with ordinality k(attnum, ord)
              join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum) as cols, con.contype
      from pg_constraint con where con.conrelid = c.oid and con.contype in ('p', 'u')
      order by con.contype) u), '[]') as uniques,
  coalesce((
    select json_agg(a.attname order by k.ord) from pg_constraint con, unnest(con.conkey) with ordinality k(attnum, ord)
    join pg_attribute a on a.attnum = k.attnum
    where con.conrelid = c.oid and a.attrelid = c.oid and con.contype = 'p'), '[]') as pk
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'v', 'm', 'f', 'p') and n.nspname = any($1::text[])`;

const FKS_SQL = `
select con.conname as name, n1.nspname as schema, c1.relname as "table",
  (select json_agg(a.attname order by k.ord) from unnest(con.conkey) with ordinality k(attnum, ord)
     join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum) as columns,
  n2.nspname as "refSchema", c2.relname as "refTable",
  (select json_agg(a.attname order by k.ord) from unnest(con.confkey) with ordinality k(attnum, ord)
     join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum) as "refColumns"
from pg_constraint con
join pg_class c1 on c1.oid = con.conrelid join pg_namespace n1 on n1.oid = c1.relnamespace
join pg_class c2 on c2.oid = con.confrelid join pg_namespace n2 on n2.oid = c2.relnamespace
where con.contype = 'f' and (n1.nspname = any($1::text[]) or n2.nspname = any($1::text[]))`;

const FUNCTIONS_SQL = `
select n.nspname as schema, p.proname as name, p.provolatile as volatility, p.proretset as "returnsSet",
  format_type(p.prorettype, null) as "returnType", t.typtype as "returnKind",
  nullif(t.typrelid, 0)::int as "returnTableOid", p.pronargdefaults as defaults,
  coalesce((
    select json_agg(json_build_object(
      'name', coalesce(p.proargnames[i], ''),
      'type', format_type(coalesce(p.proallargtypes[i], p.proargtypes[i - 1]), null),
      'mode', coalesce(p.proargmodes[i], 'i')) order by i)
    from generate_series(1, coalesce(array_length(p.proallargtypes, 1), p.pronargs)) i), '[]') as args
from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_type t on t.oid = p.prorettype
where n.nspname = any($1::text[]) and p.prokind = 'f'`;

const ROLES_SQL = `
select r.rolname as name, pg_has_role('authenticator', r.oid, 'MEMBER') and r.rolname <> 'authenticator' as allowed,
  coalesce((select s.setconfig from pg_db_role_setting s
            where s.setrole = r.oid and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
            order by s.setdatabase desc limit 1), '{}') as config
from pg_roles r`;

// Changes whenever catalog rows the cache depends on are added, altered or dropped (new rows get new xmins).
const FINGERPRINT_SQL = `
select ((select coalesce(sum(xmin::text::numeric), 0) from pg_class)
      + (select coalesce(sum(xmin::text::numeric), 0) from pg_attribute)
      + (select coalesce(sum(xmin::text::numeric), 0) from pg_constraint)
      + (select coalesce(sum(xmin::text::numeric), 0) from pg_proc)
      + (select coalesce(sum(xmin::text::numeric), 0) from pg_namespace)
      + (select count(*) from pg_class) + (select count(*) from pg_proc) + (select count(*) from pg_constraint))::text as fp`;

export async function catalogFingerprint(db: pg.Pool): Promise<string> {
  const r = await db.query(FINGERPRINT_SQL);
  return String(r.rows[0].fp);
}

export async function loadSchema(db: pg.Pool, schemas: string[]): Promise<SchemaSnapshot> {
  const [fingerprint, tables, fks, functions, roles] = await Promise.all([
    catalogFingerprint(db),
    db.query(TABLES_SQL, [schemas]),
    db.query(FKS_SQL, [schemas]),
    db.query(FUNCTIONS_SQL, [schemas]),
    db.query(ROLES_SQL)
  ]);
  const snapshot: SchemaSnapshot = {
    fingerprint,
    tables: new Map(),
    tablesByOid: new Map(),
    fks: fks.rows as ForeignKey[],
    functions: new Map(),
    roles: new Map(),
    allRoles: new Set()
  };
  for (const row of tables.rows) {
    const t: TableInfo = {
      oid: row.oid,
      schema: row.schema,
      name: row.name,
      kind: row.kind,
      columns: row.columns,
      pk: row.pk,
      uniques: (row.uniques as (string[] | null)[]).filter((u): u is string[] => Array.isArray(u))
    };
    snapshot.tables.set(key(t.schema, t.name), t);
    snapshot.tablesByOid.set(t.oid, t);
  }
  for (const row of functions.rows as FunctionInfo[]) {
    const k = key(row.schema, row.name);
    const list = snapshot.functions.get(k) ?? [];
    list.push(row);
    snapshot.functions.set(k, list);
  }
  for (const row of roles.rows as { name: string; allowed: boolean; config: string[] }[]) {
    snapshot.allRoles.add(row.name);
    if (!row.allowed) continue;
    const settings: Record<string, string> = {};
    for (const entry of row.config) {
      const eq = entry.indexOf('=');
      if (eq > 0) settings[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    snapshot.roles.set(row.name, settings);
  }
  return snapshot;
}

/** Holds the current snapshot; reloads are coalesced so a burst of misses costs one catalog read. */
export class SchemaCache {
  private current: SchemaSnapshot | null = null;
  private inflight: Promise<SchemaSnapshot> | null = null;
  private loadedAt = 0;
  private readonly db: pg.Pool;
  readonly schemas: string[];
  private readonly log: (line: string) => void;

  constructor(db: pg.Pool, schemas: string[], log: (line: string) => void) {
    this.db = db;
    this.schemas = schemas;
    this.log = log;
  }

  async get(): Promise<SchemaSnapshot> {
    return this.current ?? this.reload();
  }

  reload(): Promise<SchemaSnapshot> {
    if (this.inflight) return this.inflight;
    const started = Date.now();
    this.inflight = loadSchema(this.db, this.schemas)
      .then((s) => {
        this.current = s;
        this.loadedAt = started;
        return s;
      })
      .catch((err: unknown) => {
        this.log(`rest: schema cache reload failed: ${(err as Error).message}`);
        if (this.current) return this.current;
        throw err;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  /**
   * After a request named something unknown: reload only if the catalog changed since the snapshot was read
   * (or a reload already started after the request began), so a stream of bad names never thrashes the cache.
   * Returns null when nothing changed.
   */
  async refreshAfterMiss(since: number): Promise<SchemaSnapshot | null> {
    if (this.current && this.loadedAt >= since) return this.current;
    if (this.inflight) return this.inflight;
    const fp = await catalogFingerprint(this.db);
    if (this.current && fp === this.current.fingerprint) return null;
    return this.reload();
  }
}
