// postgres_changes: subscriptions per channel, and delivery of each committed change to the subscribers whose
// filters match and whose RLS lets them see the row (supabase-api.md §4.6).
import type pg from 'pg';
import { buildChangeData, CHANGE_TYPE, commitTimestamp, unauthorizedData, type ChangeData } from './change_payload.ts';
import { FilterError, matchesFilters, parseFilter, type ColumnFilter } from './filters.ts';
import { RlsChecker, type ClaimSet, type TableKey } from './rls_check.ts';
import type { VerifiedToken } from './token.ts';
import type { WalChange, WalTransaction } from './wal_stream.ts';
import { WalFlusher } from './wal_flush.ts';

export const PUBLICATION = 'supabase_realtime';

/** What a joined channel offers to change delivery. */
export interface ChangeSubscriber {
  readonly topic: string;
  readonly token: VerifiedToken;
  /** Sends one postgres_changes message carrying these binding ids and this pre-serialised data. */
  sendChange(idsJson: string, dataJson: string): void;
}

export interface BindingRequest {
  event?: unknown;
  schema?: unknown;
  table?: unknown;
  filter?: unknown;
  select?: unknown;
}

interface Subscription {
  id: number;
  subscriber: ChangeSubscriber;
  event: '*' | 'INSERT' | 'UPDATE' | 'DELETE';
  schema: string;
  table: string | null;
  filters: ColumnFilter[];
  select: string[] | null;
}

interface TableMeta {
  oid: number;
  rls: boolean;
  pk: { name: string; sqlType: string }[];
  types: Record<string, string>;
  loadedAt: number;
}

type ColumnAccess = { kind: 'none' } | { kind: 'all' } | { kind: 'some'; columns: ReadonlySet<string> };

export interface SubscribeResult {
  /** The join reply's postgres_changes list: the client's bindings in order, each with its id. */
  reply: Record<string, unknown>[];
  /** Set when a binding could not be created (the channel gets a `system` error with it). */
  error: string | null;
}

const META_TTL_MS = 2_000;
const PUBLICATION_TTL_MS = 1_000;
const PRIVILEGE_TTL_MS = 5_000;
const EVENTS = new Set(['*', 'INSERT', 'UPDATE', 'DELETE']);

let nextId = 1;

function bindingDescription(b: BindingRequest): string {
  const filters = typeof b.filter === 'string' && b.filter !== '' ? [b.filter] : [];
  return `[event: ${String(b.event ?? '*')}, schema: ${String(b.schema ?? '')}, table: ${String(b.table ?? '*')}, filters: [${filters.join(', ')}]]`;
}

export class PostgresChanges {
  private readonly db: pg.Pool;
  private readonly rls: RlsChecker;
  private readonly log: (line: string) => void;
  private readonly byKey = new Map<string, Set<Subscription>>();
  private readonly bySubscriber = new Map<ChangeSubscriber, Subscription[]>();
  private readonly meta = new Map<string, TableMeta>();
  private readonly privileges = new Map<string, { access: ColumnAccess; at: number }>();
  private publication = new Set<string>();
  private publicationAt = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly flusher: WalFlusher;
  private closed = false;

  constructor(db: pg.Pool, connectionString: string, log: (line: string) => void) {
    this.db = db;
    this.log = log;
    this.rls = new RlsChecker(connectionString, log);
    this.flusher = new WalFlusher(connectionString, log);
  }

  get hasSubscriptions(): boolean {
    return this.byKey.size > 0;
  }

  async subscribe(subscriber: ChangeSubscriber, bindings: BindingRequest[]): Promise<SubscribeResult> {
    const reply: Record<string, unknown>[] = [];
    const created: Subscription[] = [];
    let error: string | null = null;
    for (const b of bindings) {
      const id = nextId++;
      const echo: Record<string, unknown> = { id, event: b.event, schema: b.schema, table: b.table };
      if (b.filter !== undefined) echo.filter = b.filter;
      reply.push(echo);
      const problem = await this.validate(b);
      if (problem) {
        error ??= `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: ${bindingDescription(b)} (${problem})`;
        continue;
      }
      const table = typeof b.table === 'string' && b.table !== '*' && b.table !== '' ? b.table : null;
      created.push({
        id,
        subscriber,
        event: String(b.event).toUpperCase() as Subscription['event'],
        schema: String(b.schema),
        table,
        filters: parseFilter(typeof b.filter === 'string' ? b.filter : null),
        select: Array.isArray(b.select) ? b.select.map(String) : null
      });
    }
    for (const s of created) {
      const key = `${s.schema}.${s.table ?? '*'}`;
      let set = this.byKey.get(key);
      if (!set) this.byKey.set(key, (set = new Set()));
      set.add(s);
    }
    if (created.length > 0) this.bySubscriber.set(subscriber, [...(this.bySubscriber.get(subscriber) ?? []), ...created]);
    this.updateNudger();
    return { reply, error };
  }

  unsubscribe(subscriber: ChangeSubscriber): void {
    const subs = this.bySubscriber.get(subscriber);
    if (!subs) return;
    this.bySubscriber.delete(subscriber);
    for (const s of subs) {
      const key = `${s.schema}.${s.table ?? '*'}`;
      const set = this.byKey.get(key);
      set?.delete(s);
      if (set && set.size === 0) this.byKey.delete(key);
    }
    this.updateNudger();
  }

  private async validate(b: BindingRequest): Promise<string | null> {
    const event = typeof b.event === 'string' ? b.event.toUpperCase() : '';
    if (!EVENTS.has(event)) return 'event must be one of *, INSERT, UPDATE, DELETE';
    if (typeof b.schema !== 'string' || b.schema === '') return 'schema is required';
    if (b.filter !== undefined && b.filter !== null && typeof b.filter !== 'string') return 'filter must be a string';
    let filters: ColumnFilter[];
    try {
      filters = parseFilter(typeof b.filter === 'string' ? b.filter : null);
    } catch (err) {
      return err instanceof FilterError ? err.message : 'invalid filter';
    }
    const table = typeof b.table === 'string' && b.table !== '*' && b.table !== '' ? b.table : null;
    if (table === null || b.schema === '*') return null;
    await this.loadPublication(true);
    if (!this.publication.has(`${b.schema}.${table}`)) return `table ${b.schema}.${table} is not in publication ${PUBLICATION}`;
    const meta = await this.tableMeta(b.schema, table, true);
    if (!meta) return `table ${b.schema}.${table} does not exist`;
    for (const f of filters) if (!(f.column in meta.types)) return `column ${f.column} does not exist in ${b.schema}.${table}`;
    return null;
  }

  private async loadPublication(force: boolean): Promise<void> {
    const now = Date.now();
    if (!force && now - this.publicationAt < PUBLICATION_TTL_MS) return;
    const res = await this.db.query<{ k: string }>(
      `select schemaname || '.' || tablename as k from pg_publication_tables where pubname = $1`,
      [PUBLICATION]
    );
    this.publication = new Set(res.rows.map((r) => r.k));
    this.publicationAt = Date.now();
  }

  private async tableMeta(schema: string, table: string, force = false): Promise<TableMeta | null> {
    const key = `${schema}.${table}`;
    const cached = this.meta.get(key);
    if (cached && !force && Date.now() - cached.loadedAt < META_TTL_MS) return cached;
    const res = await this.db.query<{ oid: number; rls: boolean; pk: { name: string; sqlType: string }[] | null; types: Record<string, string> }>(
      `select c.oid::int as oid, c.relrowsecurity as rls,
         (select json_agg(json_build_object('name', a.attname, 'sqlType', format_type(a.atttypid, a.atttypmod)) order by k.ord)
            from pg_index i cross join unnest(i.indkey) with ordinality k(attnum, ord)
            join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
           where i.indrelid = c.oid and i.indisprimary) as pk,
         (select json_object_agg(a.attname, t.typname) from pg_attribute a join pg_type t on t.oid = a.atttypid
           where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as types
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'p')`,
      [schema, table]
    );
    const row = res.rows[0];
    if (!row) {
      this.meta.delete(key);
      return null;
    }
    const meta: TableMeta = { oid: row.oid, rls: row.rls, pk: row.pk ?? [], types: row.types ?? {}, loadedAt: Date.now() };
    this.meta.set(key, meta);
    return meta;
  }

  /**
   * What a role may read of a table: nothing, everything (table SELECT), or some columns (column SELECT).
   * Returns null when it may read nothing.
   */
  private async columnAccess(oid: number, role: string): Promise<ColumnAccess> {
    const key = `${oid}:${role}`;
    const cached = this.privileges.get(key);
    if (cached && Date.now() - cached.at < PRIVILEGE_TTL_MS) return cached.access;
    let access: ColumnAccess = { kind: 'none' };
    try {
      const res = await this.db.query<{ whole: boolean; cols: string[] }>(
        `select has_table_privilege(r.oid, $2::oid, 'SELECT') as whole,
                coalesce((select array_agg(a.attname::text) from pg_attribute a
                           where a.attrelid = $2::oid and a.attnum > 0 and not a.attisdropped
                             and has_column_privilege(r.oid, $2::oid, a.attnum, 'SELECT')), '{}') as cols
           from pg_roles r where r.rolname = $1`,
        [role, oid]
      );
      const row = res.rows[0];
      if (row?.whole) access = { kind: 'all' };
      else if (row && row.cols.length > 0) access = { kind: 'some', columns: new Set(row.cols) };
    } catch {
      access = { kind: 'none' };
    }
    this.privileges.set(key, { access, at: Date.now() });
    return access;
  }

  /** Queues one committed transaction; changes are delivered in commit order. */
  handleTransaction(tx: WalTransaction): void {
    if (this.byKey.size === 0) return;
    const relevant = tx.changes.filter((c) => this.candidates(c).length > 0);
    if (relevant.length === 0) return;
    const ts = commitTimestamp(tx.timestamp);
    this.queue = this.queue
      .then(async () => {
        for (const change of relevant) await this.deliver(change, ts);
      })
      .catch((err) => this.log(`realtime: postgres_changes delivery failed: ${(err as Error).stack ?? err}`));
  }

  /** Whether any subscription could want changes of this table. */
  wants(schema: string, table: string): boolean {
    return this.byKey.has(`${schema}.${table}`) || this.byKey.has(`${schema}.*`) || this.byKey.has(`*.${table}`) || this.byKey.has('*.*');
  }

  private candidates(change: WalChange): Subscription[] {
    const out: Subscription[] = [];
    for (const key of [`${change.schema}.${change.table}`, `${change.schema}.*`, `*.${change.table}`, '*.*']) {
      const set = this.byKey.get(key);
      if (set) for (const s of set) out.push(s);
    }
    return out;
  }

  private async deliver(change: WalChange, ts: string): Promise<void> {
    await this.loadPublication(false);
    if (!this.publication.has(`${change.schema}.${change.table}`)) {
      // The table may have joined the publication since the last look.
      await this.loadPublication(true);
      if (!this.publication.has(`${change.schema}.${change.table}`)) return;
    }
    let meta = await this.tableMeta(change.schema, change.table);
    if (!meta) return;
    const names = [...(change.columns ?? []), ...(change.identity ?? [])].map((c) => c.name);
    if (names.some((n) => !(n in meta!.types))) meta = (await this.tableMeta(change.schema, change.table, true)) ?? meta;
    const type = CHANGE_TYPE[change.action];
    const row: Record<string, unknown> = {};
    for (const c of (change.action === 'D' ? change.identity : change.columns) ?? []) row[c.name] = c.value;

    // Subscriptions whose event and filters match, grouped per channel.
    const perChannel = new Map<ChangeSubscriber, Subscription[]>();
    for (const s of this.candidates(change)) {
      if (s.event !== '*' && s.event !== type) continue;
      if (s.filters.length > 0 && !matchesFilters(s.filters, row, meta.types)) continue;
      const list = perChannel.get(s.subscriber);
      if (list) list.push(s);
      else perChannel.set(s.subscriber, [s]);
    }
    if (perChannel.size === 0) return;

    // Who may see it: table privilege per role, then RLS per distinct claim set (not for deletes).
    const claimSets = new Map<string, ClaimSet>();
    const access = new Map<string, ColumnAccess>();
    const pkNames = meta.pk.map((p) => p.name);
    // A role must be able to read the key to be told anything about the row (else: Error 401).
    const authorized = (role: string): boolean => {
      const a = access.get(role);
      if (!a || a.kind === 'none') return false;
      return a.kind === 'all' || pkNames.every((n) => a.columns.has(n));
    };
    for (const sub of perChannel.keys()) {
      const role = sub.token.role;
      if (!access.has(role)) access.set(role, await this.columnAccess(meta.oid, role));
      if (authorized(role) && meta.rls && change.action !== 'D') {
        const sid = typeof sub.token.claims.sub === 'string' ? sub.token.claims.sub : '';
        claimSets.set(`${role}\n${sub.token.claimsJson}`, { role, claimsJson: sub.token.claimsJson, sub: sid });
      }
    }
    const visibility = new Map<string, boolean>();
    if (claimSets.size > 0) {
      const sets = [...claimSets.entries()];
      const keySource = change.columns ?? [];
      const keyValues = meta.pk.map((p) => {
        const v = keySource.find((c) => c.name === p.name)?.value;
        return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      });
      const key: TableKey = { oid: meta.oid, schema: change.schema, table: change.table, pk: meta.pk };
      let answers: boolean[];
      try {
        answers = await this.rls.visible(key, keyValues, sets.map(([, c]) => c));
      } catch (err) {
        this.log(`realtime: RLS check on ${change.schema}.${change.table} failed: ${(err as Error).message}`);
        this.rls.reset();
        answers = sets.map(() => false);
      }
      sets.forEach(([k], i) => visibility.set(k, answers[i] === true));
    }

    const dataCache = new Map<string, string>();
    const dataFor = (select: string[] | null, role: string): string => {
      const a = access.get(role);
      const allowedColumns = a?.kind === 'some' ? a.columns : null;
      const cacheKey = `${select ? select.join(',') : ''}\n${allowedColumns ? role : ''}`;
      let json = dataCache.get(cacheKey);
      if (json === undefined) {
        const data: ChangeData = buildChangeData(change, {
          types: meta!.types,
          pk: meta!.pk.map((p) => p.name),
          rls: meta!.rls,
          select,
          allowedColumns,
          commitTimestamp: ts
        });
        json = JSON.stringify(data);
        dataCache.set(cacheKey, json);
      }
      return json;
    };
    let unauthorizedJson: string | null = null;
    for (const [sub, subs] of perChannel) {
      const idsJson = JSON.stringify(subs.map((s) => s.id));
      if (!authorized(sub.token.role)) {
        unauthorizedJson ??= JSON.stringify(unauthorizedData(change, ts));
        sub.sendChange(idsJson, unauthorizedJson);
        continue;
      }
      if (meta.rls && change.action !== 'D' && !visibility.get(`${sub.token.role}\n${sub.token.claimsJson}`)) continue;
      const selects = subs.map((s) => s.select);
      const select = selects.some((s) => s === null) ? null : [...new Set(selects.flatMap((s) => s ?? []))];
      sub.sendChange(idsJson, dataFor(select, sub.token.role));
    }
  }

  private updateNudger(): void {
    this.flusher.setActive(this.byKey.size > 0 && !this.closed);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.updateNudger();
    await this.queue.catch(() => undefined);
    await this.rls.close();
  }
}
