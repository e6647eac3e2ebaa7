// `npm run e2e:production`: the production-mode e2e. Starts devstack's hosted profile on its own directory and
// ports, runs the documented one-time project setup (Vault secrets for pg_cron), then Playwright against the web app
// built for production and the relay with production settings. Stops the hosted stack afterwards unless it was
// already running.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../config.ts';
import { productionStackEnv } from '../testing/production_stack.ts';

const runMjs = join(REPO_ROOT, 'devstack', 'bin', 'run.mjs');
const bin = (name: string) => join(REPO_ROOT, 'node_modules', '.bin', name);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, capture = false): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      if (!capture) process.stdout.write(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
      process.stderr.write(c);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function status(env: NodeJS.ProcessEnv): Promise<Record<string, string | boolean>> {
  const r = await run(process.execPath, [runMjs, 'stack:status', '--json'], env, true);
  if (r.code !== 0) throw new Error(`stack:status failed:\n${r.output}`);
  return JSON.parse(r.output) as Record<string, string | boolean>;
}

export async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...productionStackEnv() };
  if (!existsSync(join(REPO_ROOT, 'build', 'web', 'index.js'))) {
    const build = await run(bin('vite'), ['build', '--logLevel', 'warn'], process.env);
    if (build.code !== 0) process.exit(build.code);
  }
  const before = await status(env);
  const wasRunning = before.DB_RUNNING === true && before.SERVICES_RUNNING === true;
  let code = 1;
  try {
    const started = await run(process.execPath, [runMjs, 'stack:start'], env);
    if (started.code !== 0) throw new Error('the hosted devstack did not start');
    const s = await status(env);
    const setup = await run(process.execPath, [
      runMjs, 'project:setup', '--local',
      '--db-url', String(s.DB_URL), '--project-url', String(s.API_URL), '--secret-key', String(s.SECRET_KEY)
    ], env);
    if (setup.code !== 0) throw new Error('the project setup (Vault secrets for scheduled calls) failed');
    code = (await run(bin('playwright'), ['test', '-c', 'e2e/production/playwright.config.ts'], env)).code;
  } catch (err) {
    console.error((err as Error).message);
  } finally {
    if (!wasRunning) await run(process.execPath, [runMjs, 'stack:stop'], env);
  }
  process.exit(code);
}
