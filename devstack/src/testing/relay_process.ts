// Starts the media relay as its own process with the demo settings, unless one already listens on its port
// (e.g. under `npm start`), for tests that place real demo calls through the whole stack.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { config, REPO_ROOT } from '../config.ts';
import { portInUse } from '../db/cluster.ts';
import { demoEnv } from '../demo_env.ts';

export async function ensureRelay(): Promise<{ stop: () => Promise<void> }> {
  if (await portInUse(config.relayPort)) return { stop: async () => undefined };
  const child: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'media-relay', 'src', 'main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...demoEnv() },
    stdio: ['ignore', 'ignore', 'inherit']
  });
  const deadline = Date.now() + 15_000;
  while (!(await fetch(`http://127.0.0.1:${config.relayPort}/healthz`).then((r) => r.ok).catch(() => false))) {
    if (child.exitCode !== null) throw new Error(`the media relay exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('the media relay did not start within 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      })
  };
}
