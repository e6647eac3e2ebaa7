// Scheduled calls on a project as the hosted platform creates it: a fresh hosted-profile devstack (its own directory
// and ports, started and stopped here) has no pg_net, Vault or pg_cron until the migrations create them; after the
// documented one-time setup, the pg_cron job's own SQL reaches dispatch-scheduled-calls with the secret key from Vault
// and the function answers 200, while the same job with a wrong key is refused with 401.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { listMigrations } from '../db/migrate.ts';
import { runCli, type CliResult } from '../testing/cli.ts';
import { hostedStackEnvAt, portBase } from '../testing/hosted_stack.ts';

// HOSTED_CRON_PORT_BASE / HOSTED_CRON_DEVSTACK_DIR move this stack where its defaults are taken.
const env = hostedStackEnvAt(portBase('HOSTED_CRON_PORT_BASE', 56500) + 20, process.env.HOSTED_CRON_DEVSTACK_DIR ?? '.devstack-hosted-cron');
const emptyMigrations = mkdtempSync(join(tmpdir(), 'no-migrations-'));

function ok(r: CliResult, what: string): CliResult {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

let status: Record<string, string | boolean>;
let db: pg.Client;

async function query<T extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<T[]> {
  return (await db.query<T>(sql, args)).rows;
}

/** Runs a pg_cron job's command as pg_cron would (as the job's owner) and returns the pg_net request it queued. */
async function runJob(name: string): Promise<string | null> {
  const [job] = await query<{ command: string }>('select command from cron.job where jobname = $1', [name]);
  if (!job) throw new Error(`no pg_cron job named ${name}`);
  const rows = await query<{ http_post: string }>(job.command);
  return rows[0] ? String(rows[0].http_post) : null;
}

/** Waits until devstack's pg_net worker has recorded the answer to `id`. */
async function responseTo(id: string, timeoutMs = 20_000): Promise<{ status_code: number | null; content: string | null; error_msg: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await query<{ status_code: number | null; content: string | null; error_msg: string | null }>(
      'select status_code, content, error_msg from net._http_response where id = $1', [id]);
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`pg_net recorded no response to request ${id} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A scheduled call 20 minutes overdue: the dispatcher marks it missed without dialling. */
async function overdueScheduledCall(): Promise<string> {
  const [user] = await query<{ id: string }>(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
     values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated',
             'cron-' || gen_random_uuid() || '@example.test', '', now(), '{"provider":"email"}', '{}', now(), now())
     returning id`);
  const [row] = await query<{ id: string }>(
    `insert into public.scheduled_calls (user_id, persona_id, scheduled_time, timezone, local_time)
     select $1, p.id, now() - interval '20 minutes', 'UTC', (now() - interval '20 minutes')::time
       from public.personas p where p.is_active and p.owner_id is null order by p.name limit 1
     returning id`, [user!.id]);
  return row!.id;
}

function setup(args: string[]): Promise<CliResult> {
  return runCli('project:setup', ['--db-url', String(status.DB_URL), ...args], env);
}

describe('scheduled calls on a fresh hosted project', () => {
  beforeAll(async () => {
    await runCli('stack:stop', [], env);
    rmSync(resolve(REPO_ROOT, env.DEVSTACK_DIR!), { recursive: true, force: true });
    // The base alone first: what a project is before its migrations run.
    ok(await runCli('stack:start', [], { ...env, DEVSTACK_MIGRATIONS_DIR: emptyMigrations, DEVSTACK_SEED_FILE: join(emptyMigrations, 'none.sql') }), 'stack:start (no migrations)');
    status = JSON.parse(ok(await runCli('stack:status', ['--json'], env), 'stack:status').stdout);
    db = new pg.Client({ connectionString: String(status.DB_URL) });
    await db.connect();
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await runCli('stack:stop', [], env);
    if (existsSync(resolve(REPO_ROOT, env.DEVSTACK_DIR!))) rmSync(resolve(REPO_ROOT, env.DEVSTACK_DIR!), { recursive: true, force: true });
    rmSync(emptyMigrations, { recursive: true, force: true });
  }, 60_000);

  it('has no net, vault or cron before the migrations', async () => {
    const [r] = await query<{ schemas: string[]; extensions: string[] }>(
      `select array(select nspname::text from pg_namespace where nspname in ('net', 'vault', 'cron') order by 1) as schemas,
              array(select extname::text from pg_extension where extname in ('pg_net', 'supabase_vault', 'pg_cron') order by 1) as extensions`);
    expect(r).toEqual({ schemas: [], extensions: [] });
    // The extensions are available, as on the platform: only nobody has created them yet.
    const available = await query<{ name: string }>(
      `select name from pg_available_extensions where name in ('pg_net', 'supabase_vault', 'pg_cron') order by 1`);
    expect(available.map((a) => a.name)).toEqual(['pg_cron', 'pg_net', 'supabase_vault']);
  });

  it('applies the whole migration history, which creates them', async () => {
    // The same stack, now with the project's migrations and seed; its services keep running.
    ok(await runCli('stack:start', [], env), 'stack:start (migrations)');
    const applied = await query<{ version: string }>('select version from supabase_migrations.schema_migrations order by 1');
    expect(applied.map((a) => a.version)).toEqual(listMigrations(join(REPO_ROOT, 'supabase', 'migrations')).map((m) => m.version));
    const ext = await query<{ extname: string; schema: string }>(
      `select extname::text, extnamespace::regnamespace::text as schema from pg_extension
        where extname in ('pg_net', 'supabase_vault', 'pg_cron') order by 1`);
    expect(ext.map((e) => e.extname)).toEqual(['pg_cron', 'pg_net', 'supabase_vault']);
    expect(ext.find((e) => e.extname === 'pg_net')?.schema).toBe('extensions');
    const jobs = await query<{ jobname: string }>(`select jobname::text from cron.job where jobname in ('dispatch-scheduled-calls', 'calls-reconcile') order by 1`);
    expect(jobs.map((j) => j.jobname)).toEqual(['calls-reconcile', 'dispatch-scheduled-calls']);
    // Here the test runs the jobs' SQL itself, so pg_cron's own runs must not claim its rows first.
    await db.query('update cron.job set active = false');
  }, 180_000);

  it('leaves Vault to the operator, and a job run before the setup says how to do it', async () => {
    expect(await query('select name from vault.decrypted_secrets where name in ($1, $2)', ['project_url', 'cron_key'])).toEqual([]);
    await expect(runJob('calls-reconcile')).rejects.toThrow(/Vault secret "project_url" is not set/);
  });

  it('the setup command refuses bad input in one line', async () => {
    const http = await setup(['--project-url', String(status.API_URL), '--secret-key', String(status.SECRET_KEY)]);
    expect(http.code).toBe(1);
    expect(http.stderr.trim().split('\n')).toHaveLength(1);
    expect(http.stderr).toMatch(/invalid_project_url.*--local/);
    const publishable = await setup(['--local', '--project-url', String(status.API_URL), '--secret-key', String(status.PUBLISHABLE_KEY)]);
    expect(publishable.code).toBe(1);
    expect(publishable.stderr).toMatch(/invalid_secret_key/);
  });

  it('after the setup, the dispatch job reaches the function with the secret key and gets 200', async () => {
    const args = ['--local', '--project-url', String(status.API_URL), '--secret-key', String(status.SECRET_KEY)];
    ok(await setup(args), 'project:setup');
    ok(await setup(args), 'project:setup again'); // idempotent
    expect(await query('select name from vault.secrets where name in ($1, $2) order by 1', ['cron_key', 'project_url']))
      .toEqual([{ name: 'cron_key' }, { name: 'project_url' }]);

    expect(await runJob('dispatch-scheduled-calls')).toBeNull(); // nothing due: the function is not woken
    const due = await overdueScheduledCall();
    const id = await runJob('dispatch-scheduled-calls');
    expect(id).not.toBeNull();
    const res = await responseTo(id!);
    expect(res.error_msg).toBeNull();
    expect(res.status_code).toBe(200);
    expect(JSON.parse(res.content!)).toMatchObject({ missed: 1 });
    const [row] = await query<{ status: string }>('select status from public.scheduled_calls where id = $1', [due]);
    expect(row!.status).toBe('missed');
  }, 60_000);

  it('the same job with a wrong key is refused with 401 and claims nothing', async () => {
    ok(await setup(['--local', '--project-url', String(status.API_URL), '--secret-key', 'sb_secret_not-this-projects-key-000000']), 'project:setup (wrong key)');
    const due = await overdueScheduledCall();
    const id = await runJob('dispatch-scheduled-calls');
    const res = await responseTo(id!);
    expect(res.status_code).toBe(401);
    expect(JSON.parse(res.content!).error.code).toBe('unauthenticated');
    const [row] = await query<{ status: string }>('select status from public.scheduled_calls where id = $1', [due]);
    expect(row!.status).toBe('pending');
  }, 60_000);
});
