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

/** One parsed line of the relay's JSON log (a line that is not JSON is kept as its msg). */
export type RelayLogRecord = { msg: string; level?: string; call_id?: string; [key: string]: unknown };

export interface RelayProcess {
  url: string;
  port: number;
  readonly lines: RelayLogRecord[];
  /** The first line matching `pred`, already logged or still to come; `cancel` gives up waiting (rejects). */
  waitForLog(pred: (r: RelayLogRecord) => boolean, opts?: { timeoutMs?: number; cancel?: AbortSignal }): Promise<RelayLogRecord>;
  signal(sig: NodeJS.Signals): void;
  /** The exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then waits for the exit (a drain with no live call exits at once). */
  stop(): Promise<void>;
}

/**
 * Starts a relay process of its own with the demo settings and `env` on top (e.g. RELAY_PORT=0 for any free port),
 * and resolves when it says where it listens.
 */
export async function startRelayProcess(env: Record<string, string> = {}): Promise<RelayProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'media-relay', 'src', 'main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...demoEnv(), ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  });
  const lines: RelayLogRecord[] = [];
  const waiters = new Set<{ pred: (r: RelayLogRecord) => boolean; resolve: (r: RelayLogRecord) => void }>();
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop()!;
    for (const text of complete.filter(Boolean)) {
      let r: RelayLogRecord;
      try {
        r = JSON.parse(text) as RelayLogRecord;
      } catch {
        r = { msg: text };
      }
      lines.push(r);
      for (const w of [...waiters]) if (w.pred(r)) {
        waiters.delete(w);
        w.resolve(r);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitForLog = (pred: (r: RelayLogRecord) => boolean, { timeoutMs = 60_000, cancel }: { timeoutMs?: number; cancel?: AbortSignal } = {}) => {
    const seen = lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise<RelayLogRecord>((resolve, reject) => {
      const give = (err: Error) => {
        if (!waiters.delete(w)) return;
        clearTimeout(timer);
        reject(err);
      };
      const w = {
        pred,
        resolve: (r: RelayLogRecord) => {
          clearTimeout(timer);
          resolve(r);
        }
      };
      const timer = setTimeout(() => give(new Error(`the relay logged no matching line within ${timeoutMs} ms; its log:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`)), timeoutMs);
      waiters.add(w);
      cancel?.addEventListener('abort', () => give(new Error('no longer waited for')), { once: true });
      void exited.then((code) => give(new Error(`the relay exited (code ${code}) before logging a matching line`)));
    });
  };
  const listening = await waitForLog((r) => r.msg === 'relay.listening', { timeoutMs: 15_000 });
  const port = Number(new URL(String(listening.url)).port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    lines,
    waitForLog,
    signal: (sig) => child.kill(sig),
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    }
  };
}
