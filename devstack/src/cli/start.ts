// `npm start`: the whole product in demo mode on devstack. Ctrl-C stops everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { config, REPO_ROOT } from '../config.ts';
import { withSuperuser } from '../db/migrate.ts';
import { DEMO_EMAIL, DEMO_PASSWORD, ensureDemoUser } from '../demo_user.ts';
import { demoEnv } from '../demo_env.ts';
import { startStack, stackStatus, stopStack } from '../stack.ts';

function launch(name: string, cmd: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk: Buffer) =>
    chunk.toString().split('\n').filter(Boolean).map((l) => `[${name}] ${l}`).join('\n') + '\n';
  child.stdout?.on('data', (c: Buffer) => process.stdout.write(prefix(c)));
  child.stderr?.on('data', (c: Buffer) => process.stderr.write(prefix(c)));
  return child;
}

export async function main(): Promise<void> {
  let report;
  try {
    report = await startStack();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const status = stackStatus();
  await withSuperuser((c) => ensureDemoUser(c));
  const children: ChildProcess[] = [];
  const publicEnv = {
    PUBLIC_SUPABASE_URL: String(status.API_URL),
    PUBLIC_SUPABASE_PUBLISHABLE_KEY: String(status.PUBLISHABLE_KEY),
    PUBLIC_DEMO_MODE: 'true',
    PUBLIC_RELAY_URL: `ws://127.0.0.1:${config.relayPort}`,
    // The stand-ins have no Voice SDK signalling: browser calls use the softphone.
    PUBLIC_BROWSER_CALLS: 'softphone'
  };
  const relayEntry = join(REPO_ROOT, 'media-relay', 'src', 'main.ts');
  if (existsSync(relayEntry)) {
    children.push(launch('relay', process.execPath, [relayEntry], demoEnv()));
  }
  children.push(
    launch('web', join(REPO_ROOT, 'node_modules', '.bin', 'vite'), ['dev', '--port', String(config.webPort), '--strictPort'], publicEnv)
  );
  console.log(`
Call Me Back is running in demo mode (every vendor is a local stand-in; no real phone is called).
  Web app     http://127.0.0.1:${config.webPort}
  API         ${status.API_URL}   (devstack ${report.cold ? 'created' : 'started'})
  Demo login  ${DEMO_EMAIL} / ${DEMO_PASSWORD}
Press Ctrl-C to stop everything.
`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    await stopStack();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (const c of children) c.on('exit', (code) => {
    if (!stopping && code !== 0) console.error(`a process exited with code ${code}; stopping`);
    if (!stopping) void stop();
  });
}
