import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveFunctions } from './function_config.ts';

let root: string;

function write(rel: string, text = ''): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'fn-config-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('resolveFunctions', () => {
  it('serves entrypoints outside supabase/functions, relative to the config folder', () => {
    write('edge-functions/health/index.ts');
    write('edge-functions/_shared/cors.ts');
    write('edge-functions/deno.json', '{}');
    write(
      'supabase/config.toml',
      `[functions.health]
verify_jwt = false
entrypoint = "../edge-functions/health/index.ts"
import_map = "../edge-functions/deno.json"
`
    );
    const p = resolveFunctions(join(root, 'supabase/config.toml'));
    expect(p.problems).toEqual([]);
    expect(p.functions.get('health')).toEqual({
      slug: 'health',
      entrypoint: join(root, 'edge-functions/health/index.ts'),
      verifyJwt: false,
      denoConfig: { kind: 'config', path: join(root, 'edge-functions/deno.json') },
      watchPaths: [join(root, 'edge-functions/health'), join(root, 'edge-functions/_shared'), join(root, 'edge-functions/deno.json')],
      problem: null
    });
  });

  it('discovers supabase/functions/<slug>/index.ts with verify_jwt on by default and skips _shared', () => {
    write('supabase/functions/hello/index.ts');
    write('supabase/functions/_shared/util.ts');
    write('supabase/functions/import_map.json', '{"imports":{}}');
    const p = resolveFunctions(join(root, 'supabase/config.toml'));
    expect([...p.functions.keys()]).toEqual(['hello']);
    const hello = p.functions.get('hello')!;
    expect(hello.verifyJwt).toBe(true);
    expect(hello.entrypoint).toBe(join(root, 'supabase/functions/hello/index.ts'));
    expect(hello.denoConfig).toEqual({ kind: 'import_map', path: join(root, 'supabase/functions/import_map.json') });
  });

  it('prefers a deno.json next to the entrypoint over the global import map', () => {
    write('fns/own/index.ts');
    write('fns/own/deno.json', '{}');
    write('supabase/functions/import_map.json', '{}');
    write('supabase/config.toml', '[functions.own]\nentrypoint = "../fns/own/index.ts"\n');
    const own = resolveFunctions(join(root, 'supabase/config.toml')).functions.get('own')!;
    expect(own.denoConfig).toEqual({ kind: 'config', path: join(root, 'fns/own/deno.json') });
    expect(own.watchPaths).toEqual([join(root, 'fns/own')]);
  });

  it('leaves out disabled functions', () => {
    write('supabase/functions/off/index.ts');
    write('supabase/config.toml', '[functions.off]\nenabled = false\n');
    expect(resolveFunctions(join(root, 'supabase/config.toml')).functions.size).toBe(0);
  });

  it('reports a missing entrypoint, a folder entrypoint and a bad verify_jwt per function', () => {
    write('edge-functions/dir/index.ts');
    write(
      'supabase/config.toml',
      `[functions.gone]
entrypoint = "../edge-functions/gone/index.ts"
[functions.dir]
entrypoint = "../edge-functions/dir"
[functions.flag]
verify_jwt = "yes"
`
    );
    const fns = resolveFunctions(join(root, 'supabase/config.toml')).functions;
    expect(fns.get('gone')!.problem).toMatch(/entrypoint of function "gone" does not exist/);
    expect(fns.get('dir')!.problem).toMatch(/must be a \.ts, \.js/);
    expect(fns.get('flag')!.problem).toMatch(/verify_jwt must be true or false/);
  });

  it('reports an unreadable config and an invalid function name without throwing', () => {
    write('supabase/config.toml', '[functions.9bad]\n');
    expect(resolveFunctions(join(root, 'supabase/config.toml')).problems[0]).toMatch(/must start with a letter/);
    write('supabase/config.toml', 'oops');
    expect(resolveFunctions(join(root, 'supabase/config.toml')).problems[0]).toMatch(/TOML line 1/);
  });

  it('finds the repository config with the functions the product ships', () => {
    const p = resolveFunctions(join(import.meta.dirname, '../../../supabase/config.toml'));
    expect(p.problems).toEqual([]);
    const health = p.functions.get('health');
    expect(health?.verifyJwt).toBe(false);
    expect(health?.problem).toBeNull();
  });
});
