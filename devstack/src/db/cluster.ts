// Lifecycle of devstack's PostgreSQL cluster: a real server from the system binaries, in a gitignored data
// directory. PostgreSQL refuses to run as root, so when we are root the server runs as a non-root OS user.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { config } from '../config.ts';

export class StackError extends Error {}

interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

const SERVER_OS_USERS = ['postgres', 'nobody'];

/** The OS user the server runs as: ourselves, unless we are root. */
export function serverOsUser(): OsUser | null {
  if (process.getuid?.() !== 0) return null;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of SERVER_OS_USERS) {
    const line = passwd.find((l) => l.startsWith(`${name}:`));
    if (!line) continue;
    const [, , uid, gid] = line.split(':');
    return { name, uid: Number(uid), gid: Number(gid) };
  }
  throw new StackError(
    'PostgreSQL cannot run as root and no "postgres" OS user exists. Create one: useradd --system postgres'
  );
}

function bin(name: string): string {
  if (!config.pgBinDir) {
    throw new StackError('PostgreSQL server binaries were not found. Run "npm run prereqs" to install them.');
  }
  return join(config.pgBinDir, name);
}

function runAsServerUser(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const user = serverOsUser();
  const res = spawnSync(cmd, args, {
    encoding: 'utf8',
    ...opts,
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    env: { ...process.env, LC_ALL: 'C.UTF-8', ...(user ? { HOME: config.stateDir } : {}) }
  });
  return res;
}

function ensureOwnedDir(path: string): void {
  mkdirSync(path, { recursive: true });
  const user = serverOsUser();
  if (user) chownSync(path, user.uid, user.gid);
}

export function isInitialised(): boolean {
  return existsSync(join(config.pgDataDir, 'PG_VERSION'));
}

export function isRunning(): boolean {
  if (!isInitialised()) return false;
  const res = runAsServerUser(bin('pg_ctl'), ['status', '-D', config.pgDataDir]);
  return res.status === 0;
}

export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Creates the cluster. Returns false when it already existed. */
export function initCluster(): boolean {
  if (isInitialised()) return false;
  mkdirSync(config.stateDir, { recursive: true });
  ensureOwnedDir(join(config.stateDir, 'pg'));
  ensureOwnedDir(config.pgDataDir);
  ensureOwnedDir(config.pgRunDir);
  const pwFile = join(config.stateDir, 'pg', 'pwfile');
  writeFileSync(pwFile, `${config.dbPassword}\n`, { mode: 0o600 });
  const user = serverOsUser();
  if (user) chownSync(pwFile, user.uid, user.gid);
  const res = runAsServerUser(bin('initdb'), [
    '-D', config.pgDataDir, '-U', 'postgres', `--pwfile=${pwFile}`, '--auth-local=trust',
    '--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8', '--no-instructions'
  ]);
  rmSync(pwFile, { force: true });
  if (res.status !== 0) {
    rmSync(config.pgDataDir, { recursive: true, force: true });
    const hint = user
      ? `\nThe server runs as OS user "${user.name}": every directory above ${config.pgDataDir} must be readable by it.`
      : '';
    throw new StackError(`initdb failed:\n${res.stderr || res.stdout}${hint}`);
  }
  // Settings for a development stand-in: logical WAL for Realtime, pg_cron preloaded, and durability traded for
  // speed (fsync off): this data is disposable, production durability is the hosted database's.
  const settings = `
# devstack settings
listen_addresses = '127.0.0.1'
unix_socket_directories = '${config.pgRunDir}'
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 32
max_connections = 200
wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = '256MB'
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
`;
  const confPath = join(config.pgDataDir, 'postgresql.conf');
  writeFileSync(confPath, readFileSync(confPath, 'utf8') + settings);
  return true;
}

export async function startServer(): Promise<'started' | 'already-running'> {
  if (isRunning()) return 'already-running';
  if (await portInUse(config.dbPort)) {
    throw new StackError(
      `Port ${config.dbPort} on 127.0.0.1 is already in use, so devstack's PostgreSQL cannot listen there. ` +
        `Stop whatever holds it, or pick another port with DEVSTACK_DB_PORT=<port>.`
    );
  }
  const res = runAsServerUser(bin('pg_ctl'), [
    'start', '-D', config.pgDataDir, '-l', config.pgLogFile, '-w', '-t', '60', '-o', `-p ${config.dbPort}`
  ]);
  if (res.status !== 0) {
    const tail = existsSync(config.pgLogFile) ? readFileSync(config.pgLogFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new StackError(`PostgreSQL did not start:\n${res.stderr || res.stdout}\n${tail}`);
  }
  return 'started';
}

export function stopServer(): 'stopped' | 'not-running' {
  if (!isRunning()) return 'not-running';
  const res = runAsServerUser(bin('pg_ctl'), ['stop', '-D', config.pgDataDir, '-m', 'fast', '-w', '-t', '60']);
  if (res.status !== 0) throw new StackError(`PostgreSQL did not stop:\n${res.stderr || res.stdout}`);
  return 'stopped';
}

export function destroyCluster(): void {
  stopServer();
  rmSync(join(config.stateDir, 'pg'), { recursive: true, force: true });
}
