// Row visibility per subscriber, as Realtime's apply_rls decides it: as the subscriber's role with its JWT
// claims, does `select exists(... where <pk> = <changed row's key>)` find the row? One round trip per change
// covers every distinct claim set: a per-table function in the session's pg_temp schema loops over them with a
// statically planned query, so the plan is reused across subscribers sharing a role.
import { createHash } from 'node:crypto';
import pg from 'pg';

export interface TableKey {
  oid: number;
  schema: string;
  table: string;
  /** Primary key columns with their SQL types (format_type). */
  pk: { name: string; sqlType: string }[];
}

export interface ClaimSet {
  role: string;
  claimsJson: string;
  sub: string;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The pg_temp function that answers visibility for one table; exported for unit tests. */
export function visibilityFunctionSql(fnName: string, key: TableKey): string {
  const decls = key.pk.map((c, i) => `  k${i + 1} ${c.sqlType} := keys[${i + 1}]::${c.sqlType};`).join('\n');
  const where = key.pk.map((c, i) => `${quoteIdent(c.name)} = k${i + 1}`).join(' and ');
  return `create or replace function pg_temp.${fnName}(keys text[], roles text[], claims text[], subs text[])
returns boolean[] language plpgsql as $fn$
declare
  result boolean[] := '{}';
  visible boolean;
${decls}
begin
  for i in 1 .. coalesce(array_length(roles, 1), 0) loop
    begin
      perform set_config('role', roles[i], true);
      perform set_config('request.jwt.claims', claims[i], true);
      perform set_config('request.jwt.claim.sub', subs[i], true);
      perform set_config('request.jwt.claim.role', roles[i], true);
      select exists(select 1 from ${quoteIdent(key.schema)}.${quoteIdent(key.table)} where ${where}) into visible;
    exception when others then
      visible := false;
    end;
    result := result || visible;
  end loop;
  return result;
end
$fn$`;
}

export class RlsChecker {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly created = new Set<string>();
  private readonly connectionString: string;
  private readonly log: (line: string) => void;

  constructor(connectionString: string, log: (line: string) => void) {
    this.connectionString = connectionString;
    this.log = log;
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString, application_name: 'devstack realtime rls' });
      client.on('error', (err) => {
        this.log(`realtime: rls connection error: ${err.message}`);
        if (this.client === client) this.client = null;
      });
      client.on('end', () => {
        if (this.client === client) this.client = null;
        this.created.clear();
      });
      await client.connect();
      this.created.clear();
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** Visibility of the row with these key values for each claim set, in order. */
  async visible(key: TableKey, keyValues: string[], claimSets: ClaimSet[]): Promise<boolean[]> {
    if (claimSets.length === 0) return [];
    if (key.pk.length === 0) return claimSets.map(() => false);
    const client = await this.connection();
    const signature = `${key.oid}:${key.schema}.${key.table}:${key.pk.map((c) => `${c.name} ${c.sqlType}`).join(',')}`;
    const fnName = `rt_visible_${key.oid}_${createHash('sha1').update(signature).digest('hex').slice(0, 10)}`;
    if (!this.created.has(fnName)) {
      await client.query(visibilityFunctionSql(fnName, key));
      this.created.add(fnName);
    }
    // Grouping by role keeps the cached plan valid across consecutive subscribers.
    const order = claimSets.map((c, i) => i).sort((a, b) => claimSets[a]!.role.localeCompare(claimSets[b]!.role));
    const res = await client.query<{ v: boolean[] }>(`select pg_temp.${fnName}($1, $2, $3, $4) as v`, [
      keyValues,
      order.map((i) => claimSets[i]!.role),
      order.map((i) => claimSets[i]!.claimsJson),
      order.map((i) => claimSets[i]!.sub)
    ]);
    const sorted = res.rows[0]?.v ?? [];
    const out = new Array<boolean>(claimSets.length).fill(false);
    order.forEach((original, pos) => {
      out[original] = sorted[pos] === true;
    });
    return out;
  }

  /** Forgets the generated functions (after DDL changed a table's key). */
  reset(): void {
    this.created.clear();
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
  }
}
