// The `data` object of a postgres_changes message, built from one wal2json change the way Realtime's
// apply_rls shapes it: typed values, pg type names in `columns`, old_record from the replica identity.
import type { WalChange, WalColumn } from './wal_stream.ts';

export type ChangeType = 'INSERT' | 'UPDATE' | 'DELETE';

export const CHANGE_TYPE: Record<WalChange['action'], ChangeType> = { I: 'INSERT', U: 'UPDATE', D: 'DELETE' };

export interface ChangeData {
  schema: string;
  table: string;
  commit_timestamp: string;
  type: ChangeType;
  columns: { name: string; type: string }[];
  record?: Record<string, unknown>;
  old_record?: Record<string, unknown>;
  errors: string[] | null;
}

const JSON_TYPES = new Set(['json', 'jsonb']);

/** wal2json prints `2026-01-01 12:00:00.123456+00`; clients expect ISO 8601 with milliseconds. */
export function commitTimestamp(raw: string | null): string {
  if (raw) {
    const iso = raw.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
    const t = Date.parse(iso);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  return new Date().toISOString();
}

/** The text form to_jsonb gives a timestamp: `2026-01-01T12:00:00.5+00:00` rather than `2026-01-01 12:00:00.5+00`. */
export function jsonTimestamp(text: string): string {
  return text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
}

function typedValue(value: unknown, typname: string): unknown {
  if (typeof value === 'string' && (typname === 'timestamptz' || typname === 'timestamp')) return jsonTimestamp(value);
  if (typeof value === 'string' && JSON_TYPES.has(typname)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

export function rowFrom(cols: WalColumn[] | undefined, types: Record<string, string>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const c of cols ?? []) row[c.name] = typedValue(c.value, types[c.name] ?? '');
  return row;
}

function pick(row: Record<string, unknown>, keep: ReadonlySet<string> | null): Record<string, unknown> {
  if (!keep) return row;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (keep.has(k)) out[k] = v;
  return out;
}

export interface PayloadOptions {
  types: Record<string, string>;
  pk: string[];
  rls: boolean;
  /** Column list the subscriber asked for (`select`); primary key columns are always kept. */
  select: string[] | null;
  /** Columns the subscriber's role may select (column privileges); null means all. */
  allowedColumns?: ReadonlySet<string> | null;
  commitTimestamp: string;
}

export function buildChangeData(change: WalChange, opts: PayloadOptions): ChangeData {
  const type = CHANGE_TYPE[change.action];
  let keep: Set<string> | null = opts.select ? new Set([...opts.select, ...opts.pk]) : null;
  if (opts.allowedColumns) {
    const allowed = opts.allowedColumns;
    keep = keep ? new Set([...keep].filter((c) => allowed.has(c))) : new Set(allowed);
  }
  const source = change.action === 'D' ? change.identity : change.columns;
  const pkOnly = change.action === 'D' && opts.rls;
  const columns = (source ?? [])
    .filter((c) => (!keep || keep.has(c.name)) && (!pkOnly || opts.pk.includes(c.name)))
    .map((c) => ({ name: c.name, type: opts.types[c.name] ?? c.type }));
  const data: ChangeData = {
    schema: change.schema,
    table: change.table,
    commit_timestamp: opts.commitTimestamp,
    type,
    columns,
    errors: null
  };
  if (change.action !== 'D') data.record = pick(rowFrom(change.columns, opts.types), keep);
  if (change.action !== 'I') {
    let old = pick(rowFrom(change.identity, opts.types), keep);
    // Without an RLS check on deletes, only the key may leave the database.
    if (pkOnly) old = pick(old, new Set(opts.pk));
    data.old_record = old;
  }
  return data;
}

export function unauthorizedData(change: WalChange, commitTs: string): ChangeData {
  const data: ChangeData = {
    schema: change.schema,
    table: change.table,
    commit_timestamp: commitTs,
    type: CHANGE_TYPE[change.action],
    columns: [],
    errors: ['Error 401: Unauthorized']
  };
  if (change.action !== 'D') data.record = {};
  if (change.action !== 'I') data.old_record = {};
  return data;
}
