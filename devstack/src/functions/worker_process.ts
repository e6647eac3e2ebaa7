// One long-lived Deno process serving one edge function on a local port (supabase-api.md §6: one import map per
// process, so each function gets its own). The bootstrap module reports the port, or why the function failed to boot.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FunctionSpec } from './function_config.ts';

const BOOTSTRAP = fileURLToPath(new URL('./deno_bootstrap.js', import.meta.url));
const READY = '\u001edevstack:ready ';
const BOOT_ERROR = '\u001edevstack:boot-error ';

export class BootError extends Error {}

export interface WorkerOptions {
  denoBin: string;
  spec: FunctionSpec;
  /** The whole environment of the process: nothing is inherited from devstack. */
  env: Record<string, string>;
  cwd: string;
  log: (line: string) => void;
  bootTimeoutMs?: number;
}

export interface RunningWorker {
  port: number;
  /** False once the process has exited. */
  alive: () => boolean;
  exited: Promise<void>;
  stop: () => Promise<void>;
}

export function denoArgs(spec: FunctionSpec): string[] {
  const args = ['run', '--allow-all', '--no-prompt', '--no-lock', '--node-modules-dir=manual'];
  if (spec.denoConfig?.kind === 'config') args.push('--config', spec.denoConfig.path);
  else if (spec.denoConfig?.kind === 'import_map') args.push('--no-config', '--import-map', spec.denoConfig.path);
  else args.push('--no-config');
  args.push(BOOTSTRAP, pathToFileURL(spec.entrypoint).href);
  return args;
}

/** Splits a stream into lines, handing each complete line to `onLine`. */
function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, nl).replace(/\r$/, ''));
      buf = buf.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (buf) onLine(buf);
  });
}

export function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const { spec, log } = opts;
  const child: ChildProcess = spawn(opts.denoBin, denoArgs(spec), {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['pipe', 'pipe', 'pipe']
  });
  let alive = true;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      alive = false;
      resolve();
    });
  });
  // The pipe to stdin only exists so the worker notices when devstack goes away.
  child.stdin?.on('error', () => undefined);

  return new Promise<RunningWorker>((resolve, reject) => {
    let settled = false;
    const stderrTail: string[] = [];
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const stop = async () => {
      if (alive) {
        child.kill('SIGTERM');
        const forced = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(forced);
      }
    };
    const timer = setTimeout(() => {
      settle(() => reject(new BootError(`Function "${spec.slug}" did not start serving within ${opts.bootTimeoutMs ?? 30_000} ms.`)));
      void stop();
    }, opts.bootTimeoutMs ?? 30_000);

    lines(child.stdout!, (line) => {
      if (line.startsWith(READY)) {
        const port = Number(line.slice(READY.length));
        settle(() => resolve({ port, alive: () => alive, exited, stop }));
      } else if (line.startsWith(BOOT_ERROR)) {
        let message = line.slice(BOOT_ERROR.length);
        try {
          message = JSON.parse(message) as string;
        } catch {
          // Keep the raw text.
        }
        settle(() => reject(new BootError(message)));
      } else if (line !== '') {
        log(`functions[${spec.slug}] ${line}`);
      }
    });
    lines(child.stderr!, (line) => {
      if (line === '') return;
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      log(`functions[${spec.slug}] ${line}`);
    });
    child.once('error', (err) => settle(() => reject(new BootError(`Could not start Deno: ${err.message}`))));
    void exited.then(() => {
      const last = stderrTail.find((l) => /error/i.test(l)) ?? stderrTail.at(-1);
      settle(() => reject(new BootError(last ? `Worker exited while booting: ${last}` : 'Worker exited while booting.')));
    });
  });
}
