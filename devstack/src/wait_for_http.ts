// Waiting for a process we started to answer on HTTP: poll until it says 200, and give up early when it has exited
// (its own message is already on stderr) or at the deadline.
import type { ChildProcess } from 'node:child_process';

export async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
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
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`it exited (${child.exitCode ?? child.signalCode}) before ${url} answered`);
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
