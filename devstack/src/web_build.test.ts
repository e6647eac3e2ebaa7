import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newestMtime, webBuildState, WEB_BUILD_ENTRY } from './web_build.ts';

let root: string;
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

/** Writes a file and sets it and its directories under root to the given time. */
function put(rel: string, time: Date): void {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, 'x');
  touch(rel, time);
}

function touch(rel: string, time: Date): void {
  utimesSync(join(root, rel), time, time);
}

/** A built tree: every source at T0, then the build entry one minute later. */
function builtTree(): void {
  put('web/src/routes/+page.svelte', T0);
  put('core/src/money.ts', T0);
  put('svelte.config.js', T0);
  put('vite.config.ts', T0);
  for (const dir of ['web/src/routes', 'web/src', 'web', 'core/src', 'core']) touch(dir, T0);
  put(WEB_BUILD_ENTRY, at(1));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'web-build-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('webBuildState', () => {
  it('is stale when there is no build', () => {
    put('web/src/routes/+page.svelte', T0);
    expect(webBuildState(root)).toEqual({ stale: true, reason: `there is no build yet (${WEB_BUILD_ENTRY})` });
  });

  it('is current when the build is newer than every source', () => {
    builtTree();
    expect(webBuildState(root)).toEqual({ stale: false });
  });

  it.each(['web/src/routes/+page.svelte', 'core/src/money.ts', 'svelte.config.js', 'vite.config.ts'])('is stale when %s changed after the build', (rel) => {
    builtTree();
    touch(rel, at(2));
    expect(webBuildState(root)).toEqual({ stale: true, reason: 'its sources changed since the last build' });
  });

  it('is stale when a file was removed (its directory changed) although every remaining file is older', () => {
    builtTree();
    put('web/src/routes/old/+page.svelte', T0);
    rmSync(join(root, 'web/src/routes/old'), { recursive: true });
    touch('web/src/routes', at(2));
    expect(webBuildState(root).stale).toBe(true);
  });

  it('ignores tests and installed packages, which the build does not read', () => {
    builtTree();
    put('core/src/money.test.ts', at(2));
    put('core/node_modules/x/index.js', at(2));
    touch('core/src', T0);
    touch('core', T0);
    expect(webBuildState(root)).toEqual({ stale: false });
  });
});

describe('newestMtime', () => {
  it('is 0 for paths that do not exist', () => {
    expect(newestMtime([join(root, 'nothing')])).toBe(0);
  });

  it('finds the newest file deep in a tree', () => {
    builtTree();
    put('web/src/lib/deep/a/b.ts', at(5));
    for (const dir of ['web/src/lib/deep/a', 'web/src/lib/deep', 'web/src/lib', 'web/src', 'web']) touch(dir, T0);
    expect(newestMtime([join(root, 'web')])).toBe(at(5).getTime());
  });
});
