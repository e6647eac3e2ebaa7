// Proves every function deploys as it is: each one in `supabase/config.toml` is bundled from a copy of the tracked
// files (no node_modules, so npm packages come only through its import map, as on `supabase functions deploy`),
// with npm versions held by the deno.lock beside its import map.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveFunctions, type DenoConfigRef } from './function_config.ts';
import { parseToml, type TomlValue } from './toml.ts';

export interface BundleTarget {
  slug: string;
  entrypoint: string;
  denoConfig: DenoConfigRef | null;
  /** Where the lockfile of this function's import map lives (it may be missing: that is reported when bundling). */
  lockFile: string;
  problem: string | null;
}

export interface BundleResult {
  slug: string;
  entrypoint: string;
  bytes: number;
}

export class BundleError extends Error {
  readonly slug: string | null;
  constructor(slug: string | null, message: string) {
    super(message);
    this.slug = slug;
  }
}

function isTable(v: TomlValue | undefined): v is Record<string, TomlValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Every function the CLI would deploy, in the order `config.toml` declares them (functions found only under
 * `supabase/functions/` follow, by name). Disabled functions are not deployed, so they are left out.
 */
export function bundleTargets(configFile: string): { targets: BundleTarget[]; problems: string[] } {
  const project = resolveFunctions(configFile);
  let declared: string[] = [];
  try {
    const doc = parseToml(readFileSync(configFile, 'utf8'));
    declared = isTable(doc.functions) ? Object.keys(doc.functions) : [];
  } catch {
    // resolveFunctions has already said what is wrong with the file.
  }
  const rest = [...project.functions.keys()].filter((slug) => !declared.includes(slug));
  const targets: BundleTarget[] = [];
  for (const slug of [...declared, ...rest]) {
    const spec = project.functions.get(slug);
    if (!spec) continue;
    const mapDir = spec.denoConfig ? dirname(spec.denoConfig.path) : dirname(spec.entrypoint);
    targets.push({ slug, entrypoint: spec.entrypoint, denoConfig: spec.denoConfig, lockFile: join(mapDir, 'deno.lock'), problem: spec.problem });
  }
  return { targets, problems: project.problems };
}

/**
 * `deno bundle` as the CLI's bundler sees a function: its import map only, no node_modules. `--no-remote` because
 * nothing here may come from JSR or a URL (unreachable here, and not pinned by the lock): such an import fails at
 * once instead of waiting on the network.
 */
export function bundleArgs(target: BundleTarget, outFile: string): string[] {
  const args = ['bundle', '--node-modules-dir=none', '--no-remote'];
  if (target.denoConfig?.kind === 'config') args.push('--config', target.denoConfig.path);
  else if (target.denoConfig?.kind === 'import_map') args.push('--no-config', '--import-map', target.denoConfig.path);
  else args.push('--no-config');
  args.push('--lock', target.lockFile, '--frozen-lockfile', '--output', outFile, target.entrypoint);
  return args;
}

/** Deno's own error, without progress lines, colours, the empty backtrace and the temporary checkout's path. */
export function denoError(output: string, checkoutDir: string): string {
  const lines: string[] = [];
  const root = checkoutDir.endsWith('/') ? checkoutDir : checkoutDir + '/';
  const rootUrl = pathToFileURL(root).href;
  for (const raw of output.replace(/\u001b\[[0-9;]*m/g, '').split('\n')) {
    const line = raw.trimEnd();
    if (/^Stack backtrace:/.test(line)) break;
    if (line === '' || /^Download /.test(line) || /deno bundle is experimental/.test(line)) continue;
    lines.push(line.split(rootUrl).join('').split(root).join(''));
  }
  return lines.length > 0 ? lines.join('\n') : 'Deno failed without saying why.';
}

export function bundleFailure(slug: string, output: string, checkoutDir: string): string {
  // Deno's own advice (`deno install --frozen=false`) writes nothing: deno.json keeps the lock off (see the README).
  const hint = /lockfile is out of date/.test(output)
    ? '\nThe imports changed since deno.lock was written: run `npm run functions:bundle -- --update-lock` and commit the lock.'
    : '';
  return `function "${slug}" does not bundle:\n${denoError(output, checkoutDir)}${hint}`;
}

const EXACT_NPM = /^npm:(@[a-z0-9][\w.-]*\/[\w.-]+|[a-z0-9][\w.-]*)@(\d+\.\d+\.\d+(?:-[\w.]+)?)(\/.*)?$/i;

export interface PackagePin {
  /** The package.json that pins it, relative to the repository. */
  file: string;
  name: string;
  version: string;
}

/**
 * An npm package in an import map must name one exact version, the one every package.json that depends on it pins,
 * so a function deploys what the tests ran against.
 */
export function importMapProblems(mapFile: string, imports: Record<string, unknown>, pins: PackagePin[]): string[] {
  const problems: string[] = [];
  for (const [specifier, target] of Object.entries(imports)) {
    if (typeof target !== 'string' || !target.startsWith('npm:')) continue;
    const m = EXACT_NPM.exec(target);
    if (!m) {
      problems.push(`${mapFile}: "${specifier}" maps to ${target}, not to one exact version (npm:<name>@x.y.z).`);
      continue;
    }
    const [, name, version] = m;
    const other = pins.find((p) => p.name === name && p.version !== version);
    if (other) problems.push(`${mapFile}: "${specifier}" maps to ${name}@${version}, but ${other.file} pins ${name}@${other.version}.`);
  }
  return problems;
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** What the root package.json and its workspaces pin (dependencies and devDependencies). */
export function packagePins(rootDir: string): PackagePin[] {
  const root = readJson(join(rootDir, 'package.json'));
  const workspaces = Array.isArray(root.workspaces) ? root.workspaces.filter((w): w is string => typeof w === 'string') : [];
  const pins: PackagePin[] = [];
  for (const file of ['package.json', ...workspaces.map((w) => join(w, 'package.json'))]) {
    if (!existsSync(join(rootDir, file))) continue;
    const pkg = readJson(join(rootDir, file));
    for (const field of ['dependencies', 'devDependencies']) {
      const deps = pkg[field];
      if (typeof deps !== 'object' || deps === null) continue;
      for (const [name, version] of Object.entries(deps)) if (typeof version === 'string') pins.push({ file, name, version });
    }
  }
  return pins;
}

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: Buffer }): Promise<{ code: number; output: string; stdout: Buffer }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (err) => (output += `${err.message}\n`));
    child.on('close', (code) => resolve({ code: code ?? 1, output, stdout: Buffer.concat(out) }));
    child.stdin.end(opts.input);
  });
}

/**
 * A checkout with nothing but tracked files: of `ref` through `git archive`, or else the tracked files as they are
 * in the working tree (uncommitted edits included, untracked files left out), so the check sees what is tested.
 */
export async function cleanCheckout(repoRoot: string, ref: string | null): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'functions-bundle-'));
  const env = process.env;
  if (ref) {
    const archive = await run('git', ['archive', '--format=tar', ref], { cwd: repoRoot, env });
    if (archive.code !== 0) throw new BundleError(null, `git archive ${ref} failed:\n${archive.output.trim()}`);
    const untar = await run('tar', ['-x', '-C', dir], { cwd: dir, env, input: archive.stdout });
    if (untar.code !== 0) throw new BundleError(null, `unpacking git archive ${ref} failed:\n${untar.output.trim()}`);
    return dir;
  }
  const listed = await run('git', ['ls-files', '-z'], { cwd: repoRoot, env });
  if (listed.code !== 0) throw new BundleError(null, `git ls-files failed:\n${listed.output.trim()}`);
  for (const path of listed.stdout.toString('utf8').split('\0')) {
    if (!path) continue;
    const from = join(repoRoot, path);
    let stat;
    try {
      stat = lstatSync(from);
    } catch {
      continue; // deleted in the working tree: not part of what is tested
    }
    const to = join(dir, path);
    mkdirSync(dirname(to), { recursive: true });
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (stat.isFile()) copyFileSync(from, to);
  }
  return dir;
}

export interface BundleOptions {
  denoBin: string;
  /** Deno's cache: npm packages are downloaded into it once and reused by later runs. */
  denoDir: string;
  /** The checkout to bundle from; its `supabase/config.toml` lists the functions. */
  checkoutDir: string;
  /** Where the bundles are written. */
  outDir: string;
  onBundled?: (result: BundleResult) => void;
}

/** Bundles every function in order; the first that fails stops the run with a BundleError naming it. */
export async function bundleFunctions(opts: BundleOptions): Promise<BundleResult[]> {
  const { checkoutDir } = opts;
  const { targets, problems } = bundleTargets(join(checkoutDir, 'supabase', 'config.toml'));
  if (problems.length > 0) throw new BundleError(null, problems.join('\n'));
  if (targets.length === 0) throw new BundleError(null, 'supabase/config.toml lists no functions.');

  const pins = packagePins(checkoutDir);
  const maps = new Set(targets.flatMap((t) => (t.denoConfig ? [t.denoConfig.path] : [])));
  for (const map of maps) {
    const imports = readJson(map).imports;
    const found = importMapProblems(relative(checkoutDir, map), typeof imports === 'object' && imports !== null ? (imports as Record<string, unknown>) : {}, pins);
    if (found.length > 0) throw new BundleError(null, found.join('\n'));
  }

  mkdirSync(opts.outDir, { recursive: true });
  const env = { ...process.env, DENO_DIR: opts.denoDir, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
  const results: BundleResult[] = [];
  for (const target of targets) {
    if (target.problem) throw new BundleError(target.slug, `function "${target.slug}" does not bundle:\n${target.problem}`);
    if (!existsSync(target.lockFile)) {
      throw new BundleError(
        target.slug,
        `function "${target.slug}" does not bundle:\n${relative(checkoutDir, target.lockFile)} is missing (its npm versions would float); make it with \`npm run functions:bundle -- --update-lock\` and commit it.`
      );
    }
    const outFile = join(opts.outDir, `${target.slug}.js`);
    const { code, output } = await run(opts.denoBin, bundleArgs(target, outFile), { cwd: checkoutDir, env });
    if (code !== 0 || !existsSync(outFile)) throw new BundleError(target.slug, bundleFailure(target.slug, output, checkoutDir));
    const result = { slug: target.slug, entrypoint: relative(checkoutDir, target.entrypoint), bytes: statSync(outFile).size };
    results.push(result);
    opts.onBundled?.(result);
  }
  return results;
}

/**
 * Writes the lockfile beside each import map from the working tree's functions and every npm package the map
 * names (so a module that starts importing a mapped package bundles without a new lock): versions already locked
 * stay, new ones are added, and packages neither imported nor mapped any more are dropped.
 */
export async function updateLockfiles(opts: { denoBin: string; denoDir: string; repoRoot: string }): Promise<string[]> {
  const { targets, problems } = bundleTargets(join(opts.repoRoot, 'supabase', 'config.toml'));
  if (problems.length > 0) throw new BundleError(null, problems.join('\n'));
  const byLock = new Map<string, BundleTarget[]>();
  for (const t of targets) byLock.set(t.lockFile, [...(byLock.get(t.lockFile) ?? []), t]);
  const env = { ...process.env, DENO_DIR: opts.denoDir, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
  for (const [lockFile, group] of byLock) {
    const first = group[0]!;
    const config = first.denoConfig?.kind === 'config' ? ['--config', first.denoConfig.path] : first.denoConfig ? ['--no-config', '--import-map', first.denoConfig.path] : ['--no-config'];
    const entrypoints = [...new Set(group.map((t) => t.entrypoint))];
    const imports = first.denoConfig ? readJson(first.denoConfig.path).imports : undefined;
    const mapped = typeof imports === 'object' && imports !== null ? Object.values(imports).filter((v): v is string => typeof v === 'string' && v.startsWith('npm:')) : [];
    const args = ['cache', '--node-modules-dir=none', '--no-remote', ...config, '--lock', lockFile, '--frozen=false', ...entrypoints, ...new Set(mapped)];
    const { code, output } = await run(opts.denoBin, args, { cwd: opts.repoRoot, env });
    if (code !== 0) throw new BundleError(null, `${relative(opts.repoRoot, lockFile)} not written:\n${denoError(output, opts.repoRoot)}`);
  }
  return [...byLock.keys()].map((f) => relative(opts.repoRoot, f));
}

export function removeCheckout(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
