// devstack's stand-ins for pg_net and Supabase Vault are real PostgreSQL extensions: a control file and an install
// script each, kept in devstack/sql/extensions and copied into the server's extension directory, so that
// `create extension pg_net with schema extensions` / `create extension supabase_vault` behave as on the platform
// (nothing exists until something creates the extension, and `drop extension` removes it all).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { config, REPO_ROOT } from '../config.ts';
import { StackError } from './cluster.ts';

export const EXTENSION_SOURCE_DIR = join(REPO_ROOT, 'devstack', 'sql', 'extensions');

/** `<pg_config --sharedir>/extension` of the server devstack runs. */
export function extensionDir(): string {
  const pgConfig = config.pgBinDir ? join(config.pgBinDir, 'pg_config') : 'pg_config';
  const res = spawnSync(existsSync(pgConfig) ? pgConfig : 'pg_config', ['--sharedir'], { encoding: 'utf8' });
  const shareDir = res.status === 0 ? res.stdout.trim() : `/usr/share/postgresql/${config.pgMajor ?? 15}`;
  return join(shareDir, 'extension');
}

export interface ExtensionFile {
  name: string;
  source: string;
  target: string;
}

/** The files whose installed copy is missing or differs from devstack's. */
export function staleExtensionFiles(dir = extensionDir()): ExtensionFile[] {
  return readdirSync(EXTENSION_SOURCE_DIR)
    .filter((f) => f.endsWith('.control') || f.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, source: join(EXTENSION_SOURCE_DIR, name), target: join(dir, name) }))
    .filter((f) => !existsSync(f.target) || readFileSync(f.target, 'utf8') !== readFileSync(f.source, 'utf8'));
}

export function installCommand(dir = extensionDir()): string {
  return `sudo install -m 644 ${join(EXTENSION_SOURCE_DIR, '*')} ${dir}/`;
}

/** Copies what is missing or outdated; without the right to write there, says the one command that does it. */
export function installExtensionFiles(dir = extensionDir()): string[] {
  const stale = staleExtensionFiles(dir);
  for (const f of stale) {
    try {
      writeFileSync(f.target, readFileSync(f.source), { mode: 0o644 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw err;
      throw new StackError(
        `devstack's pg_net and Vault extensions are not installed in ${dir} (${f.name} is missing or outdated) and ` +
          `this user cannot write there; run once: ${installCommand(dir)}`
      );
    }
  }
  return stale.map((f) => f.name);
}
