import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXTENSION_SOURCE_DIR, installExtensionFiles, staleExtensionFiles } from './extension_files.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ext-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) {
    chmodSync(d, 0o755);
    rmSync(d, { recursive: true, force: true });
  }
});

describe('extension files', () => {
  it('ships a control file and an install script for pg_net and supabase_vault', () => {
    const files = readdirSync(EXTENSION_SOURCE_DIR).sort();
    expect(files).toEqual(['pg_net--0.20.4.sql', 'pg_net.control', 'supabase_vault--0.3.1.sql', 'supabase_vault.control']);
    expect(readFileSync(join(EXTENSION_SOURCE_DIR, 'pg_net.control'), 'utf8')).toMatch(/default_version = '0\.20\.4'/);
    expect(readFileSync(join(EXTENSION_SOURCE_DIR, 'supabase_vault.control'), 'utf8')).toMatch(/schema = vault/);
  });

  it('copies what is missing or outdated, and nothing when up to date', () => {
    const dir = tempDir();
    expect(installExtensionFiles(dir)).toHaveLength(4);
    expect(staleExtensionFiles(dir)).toEqual([]);
    expect(installExtensionFiles(dir)).toEqual([]);
    writeFileSync(join(dir, 'pg_net.control'), 'old');
    expect(installExtensionFiles(dir)).toEqual(['pg_net.control']);
  });

  it('without write access, names the one command that installs them', () => {
    const dir = tempDir();
    chmodSync(dir, 0o555);
    // Root may write anywhere, so as root the attempt runs in a child process as an unprivileged user.
    const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const script = `import { installExtensionFiles } from ${JSON.stringify(join(import.meta.dirname, 'extension_files.ts'))};
      try { installExtensionFiles(${JSON.stringify(dir)}); console.log('installed'); } catch (err) { console.log(err.message); }`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', ...nobody, env: { ...process.env, HOME: dir } });
    expect(run.stdout).toMatch(/run once: sudo install -m 644 .*devstack\/sql\/extensions\/\* /);
  });
});
