// Applies the Supabase base (devstack/sql; pg_net and Vault are extensions from devstack/sql/extensions, created up
// front only in the default profile), then supabase/migrations/*.sql in order, each in its own transaction and recorded in
// supabase_migrations.schema_migrations as the Supabase CLI records them, then supabase/seed.sql once per content.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { config, dbUrl, REPO_ROOT } from '../config.ts';
import { StackError } from './cluster.ts';
import { installExtensionFiles } from './extension_files.ts';

const BASE_DIR = join(REPO_ROOT, 'devstack', 'sql');
const MIGRATION_NAME = /^(\d+)_(.+)\.sql$/;

export interface MigrationReport {
  base: boolean;
  applied: string[];
  seeded: boolean;
}

function describePgError(err: unknown, sql: string): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { position?: string; code?: string; detail?: string; hint?: string };
  const parts = [e.message];
  if (e.code) parts[0] = `${e.message} (SQLSTATE ${e.code})`;
  if (e.position) {
    const line = sql.slice(0, Number(e.position)).split('\n').length;
    parts.push(`at line ${line}: ${sql.split('\n')[line - 1]?.trim() ?? ''}`);
  }
  if (e.detail) parts.push(`detail: ${e.detail}`);
  if (e.hint) parts.push(`hint: ${e.hint}`);
  return parts.join('\n  ');
}

async function runInTransaction(client: pg.Client, label: string, sql: string, after?: () => Promise<void>) {
  try {
    await client.query('begin');
    await client.query(sql);
    await after?.();
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw new StackError(`${label} failed: ${describePgError(err, sql)}`);
  }
}

export async function withSuperuser<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: dbUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function baseApplied(client: pg.Client): Promise<boolean> {
  const res = await client.query(
    "select to_regclass('supabase_migrations.schema_migrations') is not null as ok"
  );
  return res.rows[0]?.ok === true;
}

function sqlFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => join(dir, f)) : [];
}

export function listMigrations(dir = config.migrationsDir): { version: string; name: string; file: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => {
      const m = MIGRATION_NAME.exec(f);
      if (!m) throw new StackError(`Migration file ${f} must be named <timestamp>_<name>.sql`);
      return { version: m[1]!, name: m[2]!, file: join(dir, f) };
    });
}

export async function migrate(): Promise<MigrationReport> {
  installExtensionFiles();
  return withSuperuser(async (client) => {
    const report: MigrationReport = { base: false, applied: [], seeded: false };
    await client.query("set client_min_messages = warning");
    if (!(await baseApplied(client))) {
      for (const f of readdirSync(BASE_DIR).filter((f) => f.endsWith('.sql')).sort()) {
        const sql = readFileSync(join(BASE_DIR, f), 'utf8');
        await runInTransaction(client, `devstack base ${f}`, sql);
      }
      report.base = true;
    }
    // Cheap and idempotent, so they run on every start: a stack created by an older devstack is brought in line,
    // and the default profile gets the extensions `supabase start` has before any migration.
    const steps = [...sqlFiles(join(BASE_DIR, 'every_start')), ...(config.profile === 'default' ? sqlFiles(join(BASE_DIR, 'default')) : [])];
    for (const file of steps) {
      await runInTransaction(client, `devstack base ${basename(dirname(file))}/${basename(file)}`, readFileSync(file, 'utf8'));
    }
    const done = new Set(
      (await client.query('select version from supabase_migrations.schema_migrations')).rows.map((r) => r.version)
    );
    for (const m of listMigrations()) {
      if (done.has(m.version)) continue;
      const sql = readFileSync(m.file, 'utf8');
      await runInTransaction(client, `Migration ${basename(m.file)}`, sql, async () => {
        await client.query(
          'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)',
          [m.version, m.name, [sql]]
        );
      });
      // Functions and tables created by a migration are visible to the API's schema cache after this.
      await client.query("notify pgrst, 'reload schema'");
      report.applied.push(basename(m.file));
    }
    if (existsSync(config.seedFile)) {
      const sql = readFileSync(config.seedFile, 'utf8');
      const hash = createHash('sha256').update(sql).digest('hex');
      const seen = await client.query('select 1 from supabase_migrations.seed_files where path = $1 and hash = $2', [
        'supabase/seed.sql',
        hash
      ]);
      if (seen.rowCount === 0) {
        await runInTransaction(client, 'Seed supabase/seed.sql', sql, async () => {
          await client.query(
            `insert into supabase_migrations.seed_files (path, hash) values ($1, $2)
             on conflict (path) do update set hash = excluded.hash`,
            ['supabase/seed.sql', hash]
          );
        });
        report.seeded = true;
      }
    }
    return report;
  });
}
