// The web app's production build (adapter-node, build/web) and whether it still matches its sources. `npm start`
// serves the build, so it rebuilds only when something the build reads changed; a current build starts in seconds.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './config.ts';

/** What `vite build` reads: the app, the shared code, the build config and the dependency versions. */
export const WEB_BUILD_SOURCES = ['web', 'core', 'svelte.config.js', 'vite.config.ts', 'package.json', 'package-lock.json'];

/** adapter-node writes its entry point last, so its time is when the build finished. */
export const WEB_BUILD_ENTRY = join('build', 'web', 'index.js');

// Tests and installed packages are not part of the build; editing them must not cost a rebuild.
const IGNORED = (name: string) => name === 'node_modules' || name.startsWith('.') || /\.test\.ts$/.test(name);

/**
 * Newest modification time under the given paths, in ms; 0 when none exist. Directories count too: adding, removing
 * or renaming a file changes its directory's time even when every remaining file is older than the build.
 */
export function newestMtime(paths: readonly string[]): number {
  let newest = 0;
  const visit = (path: string): void => {
    let st;
    try {
      st = statSync(path);
    } catch {
      return;
    }
    newest = Math.max(newest, st.mtimeMs);
    if (!st.isDirectory()) return;
    for (const entry of readdirSync(path)) if (!IGNORED(entry)) visit(join(path, entry));
  };
  for (const p of paths) visit(p);
  return newest;
}

export type BuildState = { stale: false } | { stale: true; reason: string };

/** Whether the build under `root` is missing or older than any of its sources. */
export function webBuildState(root: string = REPO_ROOT): BuildState {
  const entry = join(root, WEB_BUILD_ENTRY);
  if (!existsSync(entry)) return { stale: true, reason: `there is no build yet (${WEB_BUILD_ENTRY})` };
  const built = statSync(entry).mtimeMs;
  const sources = newestMtime(WEB_BUILD_SOURCES.map((p) => join(root, p)));
  return sources > built ? { stale: true, reason: 'its sources changed since the last build' } : { stale: false };
}

/** Builds the web app for production when the build is missing or stale; says so, since it takes a while. */
export async function ensureWebBuild(log: (line: string) => void = console.log): Promise<void> {
  const state = webBuildState();
  if (!state.stale) return;
  log(`web app: building for production, ${state.reason} …`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'inherit' });
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`the web app's production build failed (vite build exited with ${code})`);
}
