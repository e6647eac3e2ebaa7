import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { bundleLine, formatSize, parseBundleArgs } from '../cli/bundle_functions.ts';
import { BundleError, bundleArgs, bundleFailure, bundleFunctions, bundleTargets, importMapProblems, packagePins } from './bundle_check.ts';

let root: string;
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bundle-check-test-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function project(): void {
  write(
    'supabase/config.toml',
    `project_id = "x"

[functions.zeta]
entrypoint = "../edge-functions/zeta/index.ts"
import_map = "../edge-functions/deno.json"

[functions.alpha]
verify_jwt = false
entrypoint = "../edge-functions/alpha/index.ts"
import_map = "../edge-functions/deno.json"

[functions.off]
enabled = false
entrypoint = "../edge-functions/off/index.ts"

[functions.mid]
entrypoint = "../edge-functions/mid/index.ts"
import_map = "../edge-functions/deno.json"
`
  );
  write('edge-functions/deno.json', JSON.stringify({ imports: { pg: 'npm:pg@8.23.1' } }));
  write('edge-functions/deno.lock', '{"version":"5"}');
  for (const slug of ['zeta', 'alpha', 'off', 'mid']) write(`edge-functions/${slug}/index.ts`, 'export {};\n');
  write('package.json', JSON.stringify({ workspaces: ['core'], devDependencies: { pg: '8.23.1' } }));
}

describe('bundleTargets', () => {
  it('lists the functions in the order config.toml declares them, without disabled ones, with the lock beside the import map', () => {
    project();
    const { targets, problems } = bundleTargets(join(root, 'supabase/config.toml'));
    expect(problems).toEqual([]);
    expect(targets.map((t) => t.slug)).toEqual(['zeta', 'alpha', 'mid']);
    expect(targets[0]).toEqual({
      slug: 'zeta',
      entrypoint: join(root, 'edge-functions/zeta/index.ts'),
      denoConfig: { kind: 'config', path: join(root, 'edge-functions/deno.json') },
      lockFile: join(root, 'edge-functions/deno.lock'),
      problem: null
    });
  });

  it('keeps a function whose entrypoint is missing, with the problem, so bundling stops there', () => {
    project();
    rmSync(join(root, 'edge-functions/alpha/index.ts'));
    const alpha = bundleTargets(join(root, 'supabase/config.toml')).targets.find((t) => t.slug === 'alpha');
    expect(alpha?.problem).toMatch(/entrypoint of function "alpha" does not exist/);
  });

  it('lists every function of the repository, each with edge-functions/deno.json and its committed lock', () => {
    const { targets, problems } = bundleTargets(join(REPO_ROOT, 'supabase/config.toml'));
    expect(problems).toEqual([]);
    expect(targets.length).toBeGreaterThan(10);
    expect(targets[0]?.slug).toBe('health');
    for (const t of targets) {
      expect(t.problem).toBeNull();
      expect(t.denoConfig?.path).toBe(join(REPO_ROOT, 'edge-functions/deno.json'));
      expect(existsSync(t.lockFile)).toBe(true);
    }
  });
});

describe('bundleArgs', () => {
  it('bundles with the import map only, no node_modules, no remote modules and the lock frozen', () => {
    project();
    const [target] = bundleTargets(join(root, 'supabase/config.toml')).targets;
    const args = bundleArgs(target!, '/out/zeta.js');
    expect(args.slice(0, 3)).toEqual(['bundle', '--node-modules-dir=none', '--no-remote']);
    expect(args[args.indexOf('--config') + 1]).toBe(join(root, 'edge-functions/deno.json'));
    expect(args[args.indexOf('--lock') + 1]).toBe(join(root, 'edge-functions/deno.lock'));
    expect(args).toContain('--frozen-lockfile');
    expect(args[args.indexOf('--output') + 1]).toBe('/out/zeta.js');
    expect(args.at(-1)).toBe(join(root, 'edge-functions/zeta/index.ts'));
  });
});

describe('bundleFailure', () => {
  it("names the function and keeps Deno's error, without colours, downloads, backtrace or the temporary path", () => {
    const dir = '/tmp/functions-bundle-abc';
    const output = [
      '\u001b[0m\u001b[32mDownload\u001b[0m https://registry.npmjs.org/pg/-/pg-8.23.1.tgz',
      '⚠️  deno bundle is experimental and subject to changes',
      '\u001b[1m\u001b[31merror\u001b[0m: Import "libphonenumber-js/max" not a dependency and not in import map from "file:///tmp/functions-bundle-abc/core/src/phone.ts"',
      '    at file:///tmp/functions-bundle-abc/core/src/phone.ts:8:81',
      'error: bundling failed',
      '',
      'Stack backtrace:',
      '   0: <unknown>'
    ].join('\n');
    expect(bundleFailure('calls-create', output, dir)).toBe(
      [
        'function "calls-create" does not bundle:',
        'error: Import "libphonenumber-js/max" not a dependency and not in import map from "core/src/phone.ts"',
        '    at core/src/phone.ts:8:81',
        'error: bundling failed'
      ].join('\n')
    );
  });

  it('says how to update a lock that no longer matches the imports', () => {
    const output = 'error: Prepare module load error\nCaused by:\n    The lockfile is out of date. Run `deno install --frozen=false`, or rerun with `--frozen=false` to update it.';
    expect(bundleFailure('health', output, '/tmp/x')).toMatch(/\nThe imports changed since deno\.lock was written: run `npm run functions:bundle -- --update-lock`/);
    expect(bundleFailure('health', 'error: bundling failed', '/tmp/x')).not.toMatch(/update-lock/);
  });

  it('still names the function when Deno says nothing', () => {
    expect(bundleFailure('health', '', '/tmp/x')).toBe('function "health" does not bundle:\nDeno failed without saying why.');
  });
});

describe('importMapProblems', () => {
  const pins = [
    { file: 'package.json', name: 'pg', version: '8.23.1' },
    { file: 'core/package.json', name: 'libphonenumber-js', version: '1.13.16' }
  ];

  it('accepts exact versions, subpaths and packages nobody pins', () => {
    const imports = { pg: 'npm:pg@8.23.1', 'libphonenumber-js/max': 'npm:libphonenumber-js@1.13.16/max', x: 'npm:@scope/x@1.0.0', rel: './x.ts' };
    expect(importMapProblems('deno.json', imports, pins)).toEqual([]);
  });

  it('refuses ranges and missing versions', () => {
    expect(importMapProblems('deno.json', { jose: 'npm:jose@^6', pg: 'npm:pg' }, pins)).toEqual([
      'deno.json: "jose" maps to npm:jose@^6, not to one exact version (npm:<name>@x.y.z).',
      'deno.json: "pg" maps to npm:pg, not to one exact version (npm:<name>@x.y.z).'
    ]);
  });

  it('refuses a version other than the one a package.json pins', () => {
    expect(importMapProblems('deno.json', { 'libphonenumber-js/max': 'npm:libphonenumber-js@1.13.15/max' }, pins)).toEqual([
      'deno.json: "libphonenumber-js/max" maps to libphonenumber-js@1.13.15, but core/package.json pins libphonenumber-js@1.13.16.'
    ]);
  });

  it("holds for the repository's import map", () => {
    const denoJson = JSON.parse(readFileSync(join(REPO_ROOT, 'edge-functions/deno.json'), 'utf8')) as { imports: Record<string, unknown> };
    expect(importMapProblems('edge-functions/deno.json', denoJson.imports, packagePins(REPO_ROOT))).toEqual([]);
  });
});

describe('bundleFunctions', () => {
  // A stand-in for deno: records each entrypoint, fails on `alpha`, otherwise writes a bundle of a known size.
  function fakeDeno(): string {
    const bin = join(root, 'fake-deno');
    writeFileSync(
      bin,
      `#!/bin/sh
out=""; prev=""
for a in "$@"; do [ "$prev" = "--output" ] && out="$a"; prev="$a"; last="$a"; done
echo "$last" >> "${root}/calls"
case "$last" in
  */alpha/index.ts) echo 'error: Import "pg" not a dependency and not in import map from "file://${root}/edge-functions/alpha/index.ts"' >&2; exit 1 ;;
esac
printf '%s' "0123456789" > "$out"
`
    );
    chmodSync(bin, 0o755);
    return bin;
  }
  const calls = () => readFileSync(join(root, 'calls'), 'utf8').trim().split('\n');

  it('stops at the first function that fails, naming it and what Deno said', async () => {
    project();
    const bundled: string[] = [];
    const err = await bundleFunctions({
      denoBin: fakeDeno(),
      denoDir: join(root, 'deno'),
      checkoutDir: root,
      outDir: join(root, 'out'),
      onBundled: (r) => bundled.push(`${r.slug} ${r.bytes}`)
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).slug).toBe('alpha');
    expect((err as BundleError).message).toBe(
      'function "alpha" does not bundle:\nerror: Import "pg" not a dependency and not in import map from "edge-functions/alpha/index.ts"'
    );
    expect(bundled).toEqual(['zeta 10']);
    expect(calls().map((c) => c.split('/').at(-2))).toEqual(['zeta', 'alpha']);
  });

  it('bundles every function when all succeed', async () => {
    project();
    const bin = fakeDeno();
    writeFileSync(bin, readFileSync(bin, 'utf8').replace('*/alpha/index.ts)', '*/nothing/index.ts)'));
    const results = await bundleFunctions({ denoBin: bin, denoDir: join(root, 'deno'), checkoutDir: root, outDir: join(root, 'out') });
    expect(results).toEqual([
      { slug: 'zeta', entrypoint: 'edge-functions/zeta/index.ts', bytes: 10 },
      { slug: 'alpha', entrypoint: 'edge-functions/alpha/index.ts', bytes: 10 },
      { slug: 'mid', entrypoint: 'edge-functions/mid/index.ts', bytes: 10 }
    ]);
  });

  it('refuses to bundle without the lockfile, saying how to make it', async () => {
    project();
    rmSync(join(root, 'edge-functions/deno.lock'));
    const err = (await bundleFunctions({ denoBin: fakeDeno(), denoDir: join(root, 'deno'), checkoutDir: root, outDir: join(root, 'out') }).catch((e: unknown) => e)) as BundleError;
    expect(err.slug).toBe('zeta');
    expect(err.message).toMatch(/edge-functions\/deno\.lock is missing .*--update-lock/);
    expect(existsSync(join(root, 'calls'))).toBe(false);
  });

  it('refuses an import map with a floating version before bundling anything', async () => {
    project();
    write('edge-functions/deno.json', JSON.stringify({ imports: { pg: 'npm:pg@^8' } }));
    const err = (await bundleFunctions({ denoBin: fakeDeno(), denoDir: join(root, 'deno'), checkoutDir: root, outDir: join(root, 'out') }).catch((e: unknown) => e)) as BundleError;
    expect(err.message).toBe('edge-functions/deno.json: "pg" maps to npm:pg@^8, not to one exact version (npm:<name>@x.y.z).');
    expect(existsSync(join(root, 'calls'))).toBe(false);
  });
});

describe('the command line', () => {
  it('reads --ref and --update-lock, and refuses anything else', () => {
    expect(parseBundleArgs([])).toEqual({ ref: null, updateLock: false });
    expect(parseBundleArgs(['--ref', 'HEAD'])).toEqual({ ref: 'HEAD', updateLock: false });
    expect(parseBundleArgs(['--ref=main'])).toEqual({ ref: 'main', updateLock: false });
    expect(parseBundleArgs(['--update-lock'])).toEqual({ ref: null, updateLock: true });
    expect(() => parseBundleArgs(['--ref'])).toThrow(/Unknown argument "--ref"/);
    expect(() => parseBundleArgs(['--update-lock', '--ref', 'HEAD'])).toThrow(/takes no --ref/);
    expect(() => parseBundleArgs(['--fast'])).toThrow(/Unknown argument "--fast"/);
  });

  it('prints one line per function with its size', () => {
    expect(formatSize(999)).toBe('999 B');
    expect(formatSize(186_110)).toBe('186.1 kB');
    expect(formatSize(1_431_390)).toBe('1.43 MB');
    expect(bundleLine({ slug: 'health', entrypoint: 'edge-functions/health/index.ts', bytes: 186_110 })).toBe(
      '  health                        186.1 kB  edge-functions/health/index.ts'
    );
  });
});
