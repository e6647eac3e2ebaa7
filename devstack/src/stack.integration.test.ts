// The devstack lifecycle as a user drives it, on a private cluster (own directory and ports) so the shared stack
// is untouched.
import { createServer, type Server } from 'node:net';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './testing/cli.ts';

const base = 56000 + Math.floor(Math.random() * 800) * 2;
const dir = mkdtempSync(join(tmpdir(), 'devstack-life-'));
// The server runs as a non-root OS user when tests run as root: it must be able to reach its data directory.
chmodSync(dir, 0o755);
const migrations = join(dir, 'migrations');
const env = {
  DEVSTACK_DIR: join(dir, 'state'),
  DEVSTACK_DB_PORT: String(base),
  DEVSTACK_API_PORT: String(base + 1),
  DEVSTACK_MIGRATIONS_DIR: migrations,
  DEVSTACK_SEED_FILE: join(dir, 'seed.sql')
};
const dbUrl = `postgresql://postgres:postgres@127.0.0.1:${base}/postgres`;

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

beforeAll(() => {
  mkdirSync(migrations, { recursive: true });
  writeFileSync(join(migrations, '20260101000001_first.sql'), 'create table public.first_table (id int primary key);');
  writeFileSync(join(migrations, '20260101000002_second.sql'), 'create table public.second_table (id int primary key);\nselect no_such_function();');
  writeFileSync(join(migrations, '20260101000003_third.sql'), 'create table public.third_table (id int primary key);');
  writeFileSync(join(dir, 'seed.sql'), 'insert into public.first_table values (1) on conflict do nothing;');
});

afterAll(async () => {
  await runCli('stack:stop', [], env);
  rmSync(dir, { recursive: true, force: true });
});

describe('devstack lifecycle', () => {
  it('refuses a busy database port, naming the port and the variable that moves it', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(base, '127.0.0.1', () => r()));
    try {
      const r = await runCli('stack:start', [], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Port ${base}`);
      expect(r.stderr).toContain('DEVSTACK_DB_PORT');
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('stops at a failing migration with its file name and error; earlier ones stay, the failing one leaves nothing', async () => {
    const r = await runCli('stack:start', [], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('20260101000002_second.sql');
    expect(r.stderr).toContain('no_such_function');
    const versions = await query<{ version: string }>('select version from supabase_migrations.schema_migrations order by 1');
    expect(versions.map((v) => v.version)).toEqual(['20260101000001']);
    const tables = await query<{ t: string | null }>("select to_regclass('public.second_table')::text as t");
    expect(tables[0]?.t).toBeNull();
  });

  it('retries the failing migration on the next start once it is fixed, then seeds', async () => {
    writeFileSync(join(migrations, '20260101000002_second.sql'), 'create table public.second_table (id int primary key);');
    const r = await runCli('stack:start', [], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('applied migration 20260101000002_second.sql');
    expect(r.stdout).toContain('applied migration 20260101000003_third.sql');
    const rows = await query<{ n: number }>('select count(*)::int as n from public.first_table');
    expect(rows[0]?.n).toBe(1);
  });

  it('treats starting a running stack as a no-op', async () => {
    const r = await runCli('stack:start', [], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('already running');
    expect(r.stdout).not.toContain('applied');
  });

  it('prints the connection values as JSON with CLI-compatible keys', async () => {
    const r = await runCli('stack:status', ['--json'], env);
    const status = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['API_URL', 'DB_URL', 'ANON_KEY', 'SERVICE_ROLE_KEY', 'JWT_SECRET']) {
      expect(typeof status[key]).toBe('string');
    }
    expect(status.DB_URL).toBe(dbUrl);
    expect(status.API_URL).toBe(`http://127.0.0.1:${base + 1}`);
    expect(status.DB_RUNNING).toBe(true);
  });

  it('gives a fresh database on reset', async () => {
    await query('insert into public.third_table values (42)');
    const r = await runCli('stack:reset', [], env);
    expect(r.code).toBe(0);
    const rows = await query<{ n: number }>('select count(*)::int as n from public.third_table');
    expect(rows[0]?.n).toBe(0);
  });

  it('stops cleanly', async () => {
    const r = await runCli('stack:stop', [], env);
    expect(r.code).toBe(0);
    const status = JSON.parse((await runCli('stack:status', ['--json'], env)).stdout) as Record<string, unknown>;
    expect(status.DB_RUNNING).toBe(false);
    expect(status.SERVICES_RUNNING).toBe(false);
  });
});
