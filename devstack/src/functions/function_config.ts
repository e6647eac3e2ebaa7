// Which functions exist and how each is served, resolved from `supabase/config.toml` the way the Supabase CLI does
// it (supabase-api.md §6): every `functions/<slug>/index.ts` beside the config plus every `[functions.<slug>]`
// section; paths are relative to the config's folder; `verify_jwt` defaults to true.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseToml, type TomlTable, type TomlValue } from './toml.ts';

export interface DenoConfigRef {
  /** `config` for deno.json/deno.jsonc (passed as --config), `import_map` for a plain import map. */
  kind: 'config' | 'import_map';
  path: string;
}

export interface FunctionSpec {
  slug: string;
  /** Absolute path of the entry module. */
  entrypoint: string;
  verifyJwt: boolean;
  denoConfig: DenoConfigRef | null;
  /** Folders and files whose changes mean the function must be reloaded. */
  watchPaths: string[];
  /** A configuration mistake that stops this function from booting, said so a person can fix it. */
  problem: string | null;
}

export interface FunctionsProject {
  configFile: string;
  configDir: string;
  functions: Map<string, FunctionSpec>;
  /** Mistakes in the config file as a whole. */
  problems: string[];
}

const SLUG = /^[A-Za-z][A-Za-z0-9_-]*$/;
const ENTRY_EXTENSIONS = new Set(['.ts', '.js', '.mjs', '.jsx', '.tsx']);

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function asTable(v: TomlValue | undefined): TomlTable | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null;
}

function denoConfigRef(path: string): DenoConfigRef {
  const name = basename(path);
  return { kind: name === 'deno.json' || name === 'deno.jsonc' ? 'config' : 'import_map', path };
}

/** The CLI's import-map order: explicit, next to the entrypoint, in functions/<slug>/, then the global map. */
function findDenoConfig(configDir: string, slug: string, entrypoint: string, explicit: string | null): DenoConfigRef | null {
  if (explicit) return denoConfigRef(explicit);
  const entryDir = dirname(entrypoint);
  for (const name of ['deno.json', 'deno.jsonc']) {
    if (isFile(join(entryDir, name))) return denoConfigRef(join(entryDir, name));
  }
  const slugDir = join(configDir, 'functions', slug);
  for (const name of ['deno.json', 'deno.jsonc', 'import_map.json']) {
    if (isFile(join(slugDir, name))) return denoConfigRef(join(slugDir, name));
  }
  const global = join(configDir, 'functions', 'import_map.json');
  return isFile(global) ? denoConfigRef(global) : null;
}

function watchPathsFor(entrypoint: string, denoConfig: DenoConfigRef | null): string[] {
  const entryDir = dirname(entrypoint);
  const paths = [entryDir];
  const shared = join(dirname(entryDir), '_shared');
  if (isDir(shared)) paths.push(shared);
  if (denoConfig && !denoConfig.path.startsWith(entryDir + '/')) paths.push(denoConfig.path);
  return paths;
}

function readConfig(configFile: string, problems: string[]): TomlTable {
  if (!existsSync(configFile)) return {};
  try {
    return parseToml(readFileSync(configFile, 'utf8'));
  } catch (err) {
    problems.push(`${configFile}: ${(err as Error).message}`);
    return {};
  }
}

export function resolveFunctions(configFile: string): FunctionsProject {
  const configDir = dirname(configFile);
  const problems: string[] = [];
  const doc = readConfig(configFile, problems);
  const sections = asTable(doc.functions) ?? {};
  const slugs = new Set<string>();

  const functionsDir = join(configDir, 'functions');
  if (isDir(functionsDir)) {
    for (const entry of readdirSync(functionsDir, { withFileTypes: true })) {
      if (entry.isDirectory() && SLUG.test(entry.name) && isFile(join(functionsDir, entry.name, 'index.ts'))) {
        slugs.add(entry.name);
      }
    }
  }
  for (const slug of Object.keys(sections)) {
    if (SLUG.test(slug)) slugs.add(slug);
    else problems.push(`[functions.${slug}]: a function name must start with a letter and use only letters, digits, "-" and "_".`);
  }

  const functions = new Map<string, FunctionSpec>();
  for (const slug of [...slugs].sort()) {
    const section = asTable(sections[slug]) ?? {};
    if (section.enabled === false) continue;
    let problem: string | null = null;
    const field = (name: string): string | null => {
      const v = section[name];
      if (v === undefined) return null;
      if (typeof v === 'string' && v.trim() !== '') return v;
      problem ??= `[functions.${slug}] ${name} must be a non-empty string.`;
      return null;
    };
    const entryField = field('entrypoint');
    const importMapField = field('import_map');
    const verify = section.verify_jwt;
    if (verify !== undefined && typeof verify !== 'boolean') problem ??= `[functions.${slug}] verify_jwt must be true or false.`;

    const entrypoint = entryField ? resolve(configDir, entryField) : join(functionsDir, slug, 'index.ts');
    if (!ENTRY_EXTENSIONS.has(extname(entrypoint))) {
      problem ??= `[functions.${slug}] entrypoint must be a .ts, .js, .mjs, .jsx or .tsx file, got "${entryField}".`;
    } else if (!isFile(entrypoint)) {
      problem ??= `The entrypoint of function "${slug}" does not exist: ${entrypoint}`;
    }
    const explicitMap = importMapField ? resolve(configDir, importMapField) : null;
    if (explicitMap && !isFile(explicitMap)) problem ??= `The import map of function "${slug}" does not exist: ${explicitMap}`;
    const denoConfig = findDenoConfig(configDir, slug, entrypoint, explicitMap);
    functions.set(slug, {
      slug,
      entrypoint,
      verifyJwt: verify !== false,
      denoConfig,
      watchPaths: watchPathsFor(entrypoint, denoConfig),
      problem
    });
  }
  return { configFile, configDir, functions, problems };
}
