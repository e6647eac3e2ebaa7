// `npm start`: the whole product in demo mode on devstack, the web app served from its production build (rebuilt
// first when its sources changed). `npm run dev` (`start --dev`) is the same with Vite's dev server instead.
// Ctrl-C stops everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { config, REPO_ROOT } from '../config.ts';
import { withSuperuser } from '../db/migrate.ts';
import { DEMO_EMAIL, DEMO_PASSWORD, ensureDemoUser } from '../demo_user.ts';
import { demoEnv } from '../demo_env.ts';
import { startStack, stackStatus, stopStack } from '../stack.ts';
import { waitForHttp } from '../wait_for_http.ts';
import { ensureWebBuild, WEB_BUILD_ENTRY } from '../web_build.ts';
import { adapterNodeEnv, webDemoEnv } from '../web_env.ts';

function launch(name: string, cmd: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk: Buffer) =>
    chunk.toString().split('\n').filter(Boolean).map((l) => `[${name}] ${l}`).join('\n') + '\n';
  child.stdout?.on('data', (c: Buffer) => process.stdout.write(prefix(c)));
  child.stderr?.on('data', (c: Buffer) => process.stderr.write(prefix(c)));
  return child;
}

export async function main(argv: string[] = []): Promise<void> {
  const dev = argv.includes('--dev');
  let report;
  try {
    // Before the stack starts, so a failed build leaves nothing running.
    if (!dev) await ensureWebBuild();
    report = await startStack();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const status = stackStatus();
  await withSuperuser((c) => ensureDemoUser(c));
  const children: ChildProcess[] = [];
  const publicEnv = webDemoEnv(config.relayPort);
  const relayEntry = join(REPO_ROOT, 'media-relay', 'src', 'main.ts');
  if (existsSync(relayEntry)) {
    children.push(launch('relay', process.execPath, [relayEntry], demoEnv()));
  }
  const webUrl = `http://127.0.0.1:${config.webPort}`;
  if (dev) {
    children.push(
      launch('web', join(REPO_ROOT, 'node_modules', '.bin', 'vite'), ['dev', '--port', String(config.webPort), '--strictPort'], publicEnv)
    );
  } else {
    // ORIGIN is the address printed below: adapter-node refuses form posts from any other.
    children.push(launch('web', process.execPath, [join(REPO_ROOT, WEB_BUILD_ENTRY)], { ...publicEnv, ...adapterNodeEnv(config.webPort) }));
  }
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    await stopStack();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  for (const c of children) c.on('exit', (code) => {
    if (!stopping && code !== 0) console.error(`a process exited with code ${code}; stopping`);
    if (!stopping) void stop(code === 0 ? 0 : 1);
  });
  try {
    await waitForHttp(`${webUrl}/healthz`, 60_000, children.at(-1));
  } catch (err) {
    console.error(`the web app did not start: ${(err as Error).message}`);
    await stop(1);
    return;
  }
  console.log(`
Call Me Back is running in demo mode (every vendor is a local stand-in; no real phone is called).
  Web app     ${webUrl}   (${dev ? "Vite's dev server" : 'production build'})
  API         ${status.API_URL}   (devstack ${report.cold ? 'created' : 'started'})
  Demo login  ${DEMO_EMAIL} / ${DEMO_PASSWORD}
Press Ctrl-C to stop everything.
`);
}
