// One transaction per request, set up as PostgREST does (supabase-api.md §3.1): role switch, JWT claims and
// request GUCs as transaction-local settings, then the main statement, then the caller's checks.
import type pg from 'pg';
import { ident } from './sql_text.ts';

export interface RequestSettings {
  readOnly: boolean;
  role: string;
  claims: Record<string, unknown>;
  method: string;
  path: string;
  headers: Record<string, string>;
  cookies: Record<string, string>;
  schema: string;
  /** Per-role settings PostgreSQL does not apply on SET ROLE (e.g. statement_timeout). */
  roleSettings: Record<string, string>;
}

export interface MainResult {
  page_count: number;
  body: string;
  single: string | null;
  total: string | number | null;
}

const APPLIED_ROLE_SETTINGS = new Set(['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'work_mem']);

function settingsSql(s: RequestSettings): { text: string; values: string[] } {
  const pairs: [string, string][] = [
    ['search_path', `${ident(s.schema)}, public, extensions`],
    ['role', s.role],
    ['request.jwt.claims', JSON.stringify({ ...s.claims, role: s.role })],
    ['request.method', s.method],
    ['request.path', s.path],
    ['request.headers', JSON.stringify(s.headers)],
    ['request.cookies', JSON.stringify(s.cookies)]
  ];
  for (const [k, v] of Object.entries(s.roleSettings)) if (APPLIED_ROLE_SETTINGS.has(k)) pairs.push([k, v]);
  const values: string[] = [];
  const calls = pairs.map(([k, v]) => {
    values.push(k, v);
    return `set_config($${values.length - 1}, $${values.length}, true)`;
  });
  return { text: `select ${calls.join(', ')}`, values };
}

/**
 * Runs `sql` inside the request transaction. `check` sees the result before COMMIT; throwing there rolls the
 * whole request back (singular responses, max-affected).
 */
export async function runRequest(
  db: pg.Pool,
  settings: RequestSettings,
  sql: string,
  values: unknown[],
  check: (r: MainResult) => void
): Promise<MainResult> {
  const client = await db.connect();
  let broken = false;
  try {
    await client.query(settings.readOnly ? 'begin isolation level read committed read only' : 'begin isolation level read committed read write');
    try {
      const s = settingsSql(settings);
      await client.query(s.text, s.values);
      const r = await client.query(sql, values);
      const row = r.rows[r.rows.length - 1] as MainResult | undefined;
      const result: MainResult = row ?? { page_count: 0, body: '[]', single: null, total: null };
      check(result);
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback').catch(() => {
        broken = true;
      });
      throw err;
    }
  } catch (err) {
    if ((err as { code?: string }).code === undefined && !(err instanceof Error && 'status' in err)) broken = true;
    throw err;
  } finally {
    client.release(broken);
  }
}
