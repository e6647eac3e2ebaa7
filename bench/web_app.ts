// Shared steps for the web benchmarks: a private copy of the built app served on a free port, Debian's Chromium,
// and throw-away accounts signed in through the app's own /login page.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, constants as zlib } from 'node:zlib';
import { createClient } from '@supabase/supabase-js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from '../devstack/src/config.ts';
import { freePort } from '../devstack/src/wait_for_http.ts';
import { stack } from '../devstack/src/testing/stack_env.ts';

export const PERSONA_ID = 'a0000000-0000-4000-8000-000000000001';

export interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

export interface BuiltApp {
  dir: string;
  manifest: Record<string, ManifestChunk>;
  remove: () => void;
}

/**
 * Copies build/web and the client manifest into a temporary folder, so a rebuild in the working tree while the
 * benchmark runs cannot swap files under the server. node_modules is linked beside the copy because the server
 * resolves its packages by walking up from its own files.
 */
export function snapshotBuild(): BuiltApp {
  const built = join(REPO_ROOT, 'build', 'web');
  const manifestPath = join(REPO_ROOT, '.svelte-kit', 'output', 'client', '.vite', 'manifest.json');
  if (!existsSync(join(built, 'index.js')) || !existsSync(manifestPath)) {
    throw new Error('No built web app: run `npx vite build` at the repository root first.');
  }
  const root = mkdtempSync(join(tmpdir(), 'cmb-web-bench-'));
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    cpSync(built, join(root, 'web'), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, ManifestChunk>;
    const missing = Object.values(manifest).filter((c) => !existsSync(join(root, 'web', 'client', c.file)));
    if (missing.length > 0) {
      throw new Error(`The build changed while it was being copied (${missing[0]!.file} is missing): build again and rerun.`);
    }
    return { dir: join(root, 'web'), manifest, remove };
  } catch (e) {
    remove();
    throw e;
  }
}

/** Output files of `keys` and of everything they import statically (what loads before any route code runs). */
export function staticClosure(manifest: Record<string, ManifestChunk>, keys: string[]): string[] {
  const seen = new Set<string>();
  const files = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const chunk = manifest[key];
    if (!chunk) throw new Error(`The client manifest has no entry ${key}.`);
    files.add(chunk.file);
    for (const k of chunk.imports ?? []) visit(k);
  };
  keys.forEach(visit);
  return [...files];
}

/** Bytes after gzip at the level the server's precompressed .gz files use. */
export const gzipBytes = (body: Uint8Array) => gzipSync(body, { level: zlib.Z_BEST_COMPRESSION }).length;

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;


export interface WebServer {
  url: string;
  stop: () => Promise<void>;
}

/** Starts the built app (adapter-node) against the running devstack, as e2e does, and waits until it answers. */
export async function startWeb(app: BuiltApp): Promise<WebServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [join(app.dir, 'index.js')], {
    cwd: app.dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      ORIGIN: url,
      PUBLIC_SUPABASE_URL: stack.apiUrl,
      PUBLIC_SUPABASE_ANON_KEY: stack.anonKey,
      PUBLIC_DEMO_MODE: 'true',
      PUBLIC_BROWSER_CALLS: 'off'
    }
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`The web app exited with code ${child.exitCode}: ${stderr}`);
    const ok = await fetch(url, { redirect: 'manual' }).then((r) => r.status < 500, () => false);
    if (ok) return { url, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`The web app did not answer on ${url} within 15 s: ${stderr}`);
}

/** Debian's Chromium, headless; never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
  });
}

export interface BenchUser {
  id: string;
  email: string;
  password: string;
  remove: () => Promise<void>;
}

const admin = () => createClient(stack.apiUrl, stack.serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false } });

/** A confirmed account created through Auth; `remove` deletes it and, by cascade, everything it owns. */
export async function createUser(tag: string): Promise<BenchUser> {
  const email = `bench-${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  const password = `bench-${crypto.randomUUID()}`;
  const sb = admin();
  const { data, error } = await sb.auth.admin.createUser({ email, password, email_confirm: true, user_metadata: { name: 'Bench' } });
  if (error || !data.user) throw new Error(`Could not create a benchmark user: ${error?.message}`);
  const id = data.user.id;
  return {
    id,
    email,
    password,
    remove: async () => {
      const r = await sb.auth.admin.deleteUser(id);
      if (r.error) throw new Error(`Could not delete benchmark user ${email}: ${r.error.message}`);
    }
  };
}

/** Signs in through the app's /login form, leaving the session cookies in the page's browser context. */
export async function signIn(page: Page, baseUrl: string, user: BenchUser): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('E-mail').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 15_000 }),
    page.getByRole('button', { name: 'Sign in' }).click()
  ]);
  const cookies = await page.context().cookies(baseUrl);
  if (!cookies.some((c) => c.name.includes('auth-token'))) throw new Error('Signing in through /login set no session cookie.');
}

declare global {
  interface Window { __benchVisible?: { dom: number; frame: number } }
}

export interface Visible { dom: number; frame: number; ttfb: number }

/**
 * A page in a fresh context of `browser` that times each full navigation inside Chromium from its start
 * (performance.timeOrigin): a MutationObserver notes when the awaited elements of the path exist (`awaited`: path →
 * selector and how many matches), and the next animation frame (rendering is held back until the stylesheet is in)
 * is taken as the moment they are visible. `visit` navigates and returns those times and the first byte.
 */
export async function visibleTimer(browser: Browser, baseUrl: string, awaited: Record<string, [string, number]>) {
  const context = await browser.newContext();
  await context.addInitScript((want: Record<string, [string, number]>) => {
    const entry = want[location.pathname];
    if (!entry) return;
    const [selector, count] = entry;
    const check = () => {
      if (window.__benchVisible || document.querySelectorAll(selector).length < count) return false;
      const dom = performance.now();
      window.__benchVisible = { dom, frame: NaN };
      requestAnimationFrame(() => (window.__benchVisible!.frame = performance.now()));
      return true;
    };
    const mo = new MutationObserver(() => check() && mo.disconnect());
    mo.observe(document, { childList: true, subtree: true });
  }, awaited);
  const page = await context.newPage();
  const visit = async (path: string): Promise<Visible> => {
    const res = await page.goto(`${baseUrl}${path}`, { waitUntil: 'load' });
    if (res?.status() !== 200 || new URL(page.url()).pathname !== path) throw new Error(`GET ${path} ended at ${page.url()} (${res?.status()})`);
    await page.waitForFunction(() => Number.isFinite(window.__benchVisible?.frame), undefined, { timeout: 10_000 });
    return page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { ...window.__benchVisible!, ttfb: nav.responseStart };
    });
  };
  return { page, visit };
}
