// `npm run package:check`: the relay and the web app installed as their Dockerfiles install them, proven without
// Docker. Each service gets an empty directory with the root manifest and lockfile, its own files (the relay: the
// packed `core` and `media-relay` workspaces; the web app: the production build), production dependencies only
// (`npm ci --omit=dev`, from the registry), and is started there against devstack until its health check answers
// 200. The repository's node_modules is out of reach: the directories live under the system's temp directory.
// Prints one line per service, `package-check ok <service>: …` or `package-check FAILED <service>: …`.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { config, REPO_ROOT } from '../config.ts';
import { isRunning } from '../db/cluster.ts';
import { demoEnv } from '../demo_env.ts';
import { servicesPid, startStack, stopStack } from '../stack.ts';
import { freePort, waitForHttp } from '../wait_for_http.ts';
import { ensureWebBuild, WEB_BUILD_ENTRY } from '../web_build.ts';
import { adapterNodeEnv, webDemoEnv } from '../web_env.ts';

/** The workspaces the relay's image holds, by folder (the relay imports `../../core/src/*.ts`). */
const RELAY_WORKSPACES = ['core', 'media-relay'];

interface ServicePackage {
  name: string;
  /** Fills the empty directory and installs; returns what the install said. */
  prepare: (dir: string) => Promise<string>;
  /** The command the Dockerfile's CMD runs, relative to the directory. */
  entry: string;
  env: (port: number) => Record<string, string>;
  healthPath: string;
}

/**
 * The environment of everything started here: npm's own variables from `npm run` (its prefix points into the
 * repository) and NODE_PATH would reach back into the repository, so they are dropped. Node 24 comes first on PATH,
 * as in the node:24 image.
 */
function isolatedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'NODE_PATH' && k !== 'INIT_CWD') env[k] = v;
  env.PATH = `${dirname(process.execPath)}:${env.PATH ?? ''}`;
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: isolatedEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${output.trim()}`))));
  });
}

/** What the Dockerfiles copy first, so the install layer is cached apart from the code. */
function copyManifests(dir: string): void {
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(REPO_ROOT, f), join(dir, f));
}

const installSummary = (output: string) => /added \d+ packages?[^\n]*/.exec(output)?.[0] ?? output.trim().split('\n').at(-1) ?? '';

async function prepareRelay(dir: string): Promise<string> {
  copyManifests(dir);
  const tarballs = mkdtempSync(join(tmpdir(), 'cmb-pack-'));
  try {
    for (const ws of RELAY_WORKSPACES) {
      // npm pack honours each workspace's `files`: what would be published, tests left out.
      await run('npm', ['pack', '--workspace', ws, '--pack-destination', tarballs, '--silent'], REPO_ROOT);
      const tgz = readdirSync(tarballs).find((f) => f.endsWith('.tgz'));
      if (!tgz) throw new Error(`npm pack --workspace ${ws} wrote no tarball`);
      mkdirSync(join(dir, ws));
      await run('tar', ['-xzf', join(tarballs, tgz), '-C', join(dir, ws), '--strip-components=1'], dir);
      rmSync(join(tarballs, tgz));
    }
  } finally {
    rmSync(tarballs, { recursive: true, force: true });
  }
  return installSummary(await run('npm', ['ci', '--omit=dev', '--workspace', '@cmb/media-relay', '--no-audit', '--no-fund'], dir));
}

async function prepareWeb(dir: string): Promise<string> {
  copyManifests(dir);
  cpSync(join(REPO_ROOT, 'build', 'web'), join(dir, 'build', 'web'), { recursive: true });
  // adapter-node bundles the server except the root manifest's `dependencies`, which it imports at run time.
  return installSummary(await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], dir));
}

const SERVICES: ServicePackage[] = [
  {
    name: 'relay',
    prepare: prepareRelay,
    entry: 'media-relay/src/main.ts',
    env: (port) => ({ ...demoEnv(), RELAY_PORT: String(port), RELAY_HOST: '127.0.0.1' }),
    healthPath: '/healthz'
  },
  {
    name: 'web',
    prepare: prepareWeb,
    entry: WEB_BUILD_ENTRY,
    env: (port) => ({ ...webDemoEnv(config.relayPort), ...adapterNodeEnv(port), NODE_ENV: 'production' }),
    healthPath: '/healthz'
  }
];


function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Installs and starts one service in its own empty directory; resolves to its report line. */
async function checkService(service: ServicePackage, root: string): Promise<{ ok: boolean; line: string }> {
  const dir = join(root, service.name);
  mkdirSync(dir);
  let output = '';
  let child: ChildProcess | undefined;
  try {
    const t0 = performance.now();
    const installed = await service.prepare(dir);
    const installSeconds = (performance.now() - t0) / 1000;
    const port = await freePort();
    child = spawn(process.execPath, [service.entry], { cwd: dir, env: isolatedEnv(service.env(port)), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const t1 = performance.now();
    const url = `http://127.0.0.1:${port}${service.healthPath}`;
    await waitForHttp(url, 30_000, child);
    const upSeconds = (performance.now() - t1) / 1000;
    return {
      ok: true,
      line: `package-check ok ${service.name}: npm ci --omit=dev ${installed} (${installSeconds.toFixed(1)} s); \`node ${service.entry}\` answered GET ${service.healthPath} 200 after ${upSeconds.toFixed(1)} s`
    };
  } catch (err) {
    const tail = output.trim().split('\n').slice(-20).join('\n');
    return { ok: false, line: `package-check FAILED ${service.name}: ${(err as Error).message}${tail ? `\n${tail}` : ''}` };
  } finally {
    if (child) await stopChild(child);
  }
}

export async function main(): Promise<void> {
  await ensureWebBuild();
  const wasRunning = isRunning() && servicesPid() !== null;
  await startStack();
  const root = mkdtempSync(join(tmpdir(), 'cmb-package-check-'));
  const results: { ok: boolean; line: string }[] = [];
  try {
    for (const service of SERVICES) results.push(await checkService(service, root));
  } finally {
    rmSync(root, { recursive: true, force: true });
    if (!wasRunning) await stopStack();
  }
  for (const r of results) (r.ok ? console.log : console.error)(r.line);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}
