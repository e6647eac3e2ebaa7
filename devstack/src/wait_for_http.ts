// Waiting for a process we started to answer on HTTP, and finding a port for one.
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Why the process is gone (its exit code or signal), or null while it runs. */
export type ExitCheck = () => string | null;

export const childExit = (child: ChildProcess): ExitCheck => () =>
  child.exitCode !== null || child.signalCode !== null ? String(child.exitCode ?? child.signalCode) : null;

export class ExitedBeforeAnswering extends Error {}

/**
 * Polls until `url` answers 200; gives up early when the process has exited (its own message is already on its
 * output) or at the deadline.
 */
export async function waitForHttp(url: string, timeoutMs: number, exited?: ChildProcess | ExitCheck): Promise<void> {
  const gone = typeof exited === 'function' ? exited : exited ? childExit(exited) : () => null;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    const reason = gone();
    if (reason !== null) throw new ExitedBeforeAnswering(`it exited (${reason}) before ${url} answered`);
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A TCP port nothing listens on right now, on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
