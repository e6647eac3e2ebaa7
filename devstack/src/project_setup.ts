// The one-time setup an operator does on a new project: store the project URL and a secret API key in Vault, where
// the pg_cron jobs read them to call edge functions. The statement is supabase/setup/cron_secrets.sql, the same file
// operators can run with psql or paste into the SQL editor; here its psql variables become bind parameters.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { REPO_ROOT } from './config.ts';

export const CRON_SECRETS_SQL_FILE = join(REPO_ROOT, 'supabase', 'setup', 'cron_secrets.sql');

export type SetupErrorCode = 'missing_db_url' | 'invalid_project_url' | 'invalid_secret_key' | 'vault_missing';

export class SetupError extends Error {
  readonly code: SetupErrorCode;
  constructor(code: SetupErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface CronSecrets {
  projectUrl: string;
  secretKey: string;
}

const SECRET_KEY = /^sb_secret_[A-Za-z0-9_-]{8,}$/;

/** Checks both values; `local` allows http:// (devstack, a laptop). Returns the URL without a trailing slash. */
export function validateCronSecrets(input: { projectUrl?: string; secretKey?: string; local?: boolean }): CronSecrets {
  const raw = input.projectUrl?.trim() ?? '';
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    url = null;
  }
  const schemes = input.local ? ['https:', 'http:'] : ['https:'];
  if (!url || !schemes.includes(url.protocol) || url.search || url.hash || url.username) {
    throw new SetupError(
      'invalid_project_url',
      `--project-url must be the project's URL, https://<project-ref>.supabase.co (got "${raw}")` +
        (input.local ? '.' : '; http:// is accepted only with --local.')
    );
  }
  const key = input.secretKey?.trim() ?? '';
  if (!SECRET_KEY.test(key)) {
    throw new SetupError(
      'invalid_secret_key',
      '--secret-key must be a secret API key (sb_secret_…, from the dashboard\'s API Keys page); publishable keys and legacy JWTs cannot call the scheduled functions.'
    );
  }
  return { projectUrl: url.href.replace(/\/+$/, ''), secretKey: key };
}

/** cron_secrets.sql with its psql variables as $1 (project_url) and $2 (cron_key). */
export function cronSecretsStatement(): string {
  return readFileSync(CRON_SECRETS_SQL_FILE, 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .replaceAll(":'project_url'", '$1')
    .replaceAll(":'cron_key'", '$2');
}

/** Creates or updates `project_url` and `cron_key` in Vault; running it again changes only their values. */
export async function storeCronSecrets(db: pg.ClientBase, secrets: CronSecrets): Promise<void> {
  const vault = await db.query<{ ok: boolean }>(
    "select to_regprocedure('vault.create_secret(text, text, text, uuid)') is not null as ok"
  );
  if (!vault.rows[0]?.ok) {
    throw new SetupError(
      'vault_missing',
      'Vault is not installed in this database: apply the migrations first (they run "create extension if not exists supabase_vault").'
    );
  }
  await db.query(cronSecretsStatement(), [secrets.projectUrl, secrets.secretKey]);
}
