// devstack as a whole: the PostgreSQL cluster plus one background Node process ("services") that serves the
// Supabase-compatible API gateway and the vendor stand-ins.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { config, dbUrl, profileFile, REPO_ROOT } from './config.ts';
import { destroyCluster, initCluster, isRunning, portInUse, StackError, startServer, stopServer } from './db/cluster.ts';
import { migrate, withSuperuser, type MigrationReport } from './db/migrate.ts';
import { waitForDatabase } from './db/wait.ts';
import { demoEnv } from './demo_env.ts';
import { legacyApiKey, projectKeys } from './keys.ts';
import { ensurePrerequisites } from './prereqs.ts';
import { ExitedBeforeAnswering, waitForHttp } from './wait_for_http.ts';
import { storeCronSecrets, validateCronSecrets } from './project_setup.ts';

const servicesPidFile = join(config.stateDir, 'services.pid');
export const servicesLogFile = join(config.stateDir, 'services.log');

export interface StartReport {
  cold: boolean;
  database: 'started' | 'already-running';
  migrations: MigrationReport;
  services: 'started' | 'already-running';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function servicesPid(): number | null {
  if (!existsSync(servicesPidFile)) return null;
  const pid = Number(readFileSync(servicesPidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : null;
}


async function startServices(): Promise<'started' | 'already-running'> {
  if (servicesPid() !== null) return 'already-running';
  if (await portInUse(config.apiPort)) {
    throw new StackError(
      `Port ${config.apiPort} on 127.0.0.1 is already in use, so devstack's API gateway cannot listen there. ` +
        `Stop whatever holds it, or pick another port with DEVSTACK_API_PORT=<port>.`
    );
  }
  const out = openSync(servicesLogFile, 'a');
  const child = spawn(process.execPath, [join(REPO_ROOT, 'devstack', 'bin', 'run.mjs'), 'stack:serve'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', out, out],
    // Auth's Site URL (supabase/config.toml reads env(SITE_URL)): the local web app unless set.
    env: { SITE_URL: `http://127.0.0.1:${config.webPort}`, ...process.env }
  });
  closeSync(out);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new StackError('Could not spawn devstack services.');
  writeFileSync(servicesPidFile, String(pid));
  const url = `http://127.0.0.1:${config.apiPort}/health`;
  try {
    await waitForHttp(url, 20_000, () => (pidAlive(pid) ? null : 'exited'));
  } catch (err) {
    if (!(err instanceof ExitedBeforeAnswering)) throw new StackError(`devstack services did not answer ${url} within 20000 ms`);
    const tail = existsSync(servicesLogFile) ? readFileSync(servicesLogFile, 'utf8').split('\n').slice(-20).join('\n') : '';
    throw new StackError(`devstack services exited during start-up. Last log lines:\n${tail}`);
  }
  return 'started';
}

function signalServices(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Stops the services process and returns once it has exited, so its ports are free for the next start (a stand-in
 * that cannot bind its port would otherwise be left out of the next stack).
 */
async function stopServices(): Promise<boolean> {
  const pid = servicesPid();
  rmSync(servicesPidFile, { force: true });
  if (pid === null) return false;
  signalServices(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (pidAlive(pid)) signalServices(pid, 'SIGKILL');
  return true;
}

/**
 * The default profile, like `supabase start`, is ready for pg_cron at once: it runs the operator's one-time setup
 * (npm run project:setup) itself with the local URL and secret key. A hosted-profile stack leaves it to the operator.
 */
async function storeProjectSecrets(): Promise<void> {
  if (config.profile !== 'default') return;
  const secrets = validateCronSecrets({ projectUrl: `http://127.0.0.1:${config.apiPort}`, secretKey: config.secretKey, local: true });
  await withSuperuser((c) => storeCronSecrets(c, secrets));
}

/** A state directory keeps the profile it was created with; another profile needs its own DEVSTACK_DIR. */
function claimProfile(): void {
  const file = profileFile(config.stateDir);
  const saved = existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
  if (saved !== null && saved !== config.profile && existsSync(config.pgDataDir)) {
    throw new StackError(
      `${config.stateDir} holds a devstack created with the "${saved}" profile, not "${config.profile}". ` +
        `Give the ${config.profile} profile its own directory and ports (DEVSTACK_DIR=…, DEVSTACK_DB_PORT=…, ` +
        `DEVSTACK_API_PORT=…), or run "npm run stack:reset" to recreate this one.`
    );
  }
  mkdirSync(config.stateDir, { recursive: true });
  writeFileSync(file, `${config.profile}\n`);
}

export async function startStack(opts: { services?: boolean } = {}): Promise<StartReport> {
  ensurePrerequisites();
  claimProfile();
  const cold = initCluster();
  const database = await startServer();
  await waitForDatabase();
  const migrations = await migrate();
  await storeProjectSecrets();
  const services = opts.services === false ? 'already-running' : await startServices();
  return { cold, database, migrations, services };
}

/** Restarts the services process (gateway and stand-ins) over the running database, e.g. after code changes. */
export async function restartServices(): Promise<'started' | 'already-running'> {
  await stopServices();
  for (let i = 0; i < 100 && (await portInUse(config.apiPort)); i++) await new Promise((r) => setTimeout(r, 50));
  return startServices();
}

export async function stopStack(): Promise<{ database: string; services: boolean }> {
  const services = await stopServices();
  const database = stopServer();
  return { database, services };
}

export async function resetStack(): Promise<StartReport> {
  await stopServices();
  destroyCluster();
  return startStack();
}

export interface StackStatus {
  [key: string]: string | boolean;
}

/**
 * Keys as the profile hands them out: the default profile prints what `supabase status` prints; the hosted one the
 * state directory's sb_ keys and JWKS URL, and the legacy HS256 keys and secret only while they are switched on.
 */
function statusKeys(api: string): StackStatus {
  const keys = projectKeys(config);
  const out: StackStatus = {};
  if (config.legacyKeys) Object.assign(out, { ANON_KEY: keys.anonKey, SERVICE_ROLE_KEY: keys.serviceRoleKey });
  Object.assign(out, { PUBLISHABLE_KEY: keys.publishableKey, SECRET_KEY: keys.secretKey });
  if (config.legacyKeys) out.JWT_SECRET = config.jwtSecret;
  out.JWKS_URL = `${api}/auth/v1/.well-known/jwks.json`;
  return out;
}

export function stackStatus(): StackStatus {
  const api = `http://127.0.0.1:${config.apiPort}`;
  return {
    PROFILE: config.profile,
    DB_RUNNING: isRunning(),
    SERVICES_RUNNING: servicesPid() !== null,
    API_URL: api,
    REST_URL: `${api}/rest/v1`,
    GRAPHQL_URL: `${api}/graphql/v1`,
    FUNCTIONS_URL: `${api}/functions/v1`,
    REALTIME_URL: `ws://127.0.0.1:${config.apiPort}/realtime/v1`,
    DB_URL: dbUrl(),
    ...statusKeys(api),
    // Every vendor stand-in's base URL and demo credentials, under the names production settings use.
    ...Object.fromEntries(Object.entries(demoEnv()).filter(([k]) => /^(TWILIO|STRIPE|DEEPGRAM|ELEVENLABS|LLM)_/.test(k))),
    RELAY_URL: `ws://127.0.0.1:${config.relayPort}`
  };
}
