import { describe, expect, it } from 'vitest';
import type { FunctionSpec } from './function_config.ts';
import { denoArgs } from './worker_process.ts';

const spec = (denoConfig: FunctionSpec['denoConfig']): FunctionSpec => ({
  slug: 'f',
  entrypoint: '/repo/edge-functions/f/index.ts',
  verifyJwt: true,
  denoConfig,
  watchPaths: [],
  problem: null
});

describe('denoArgs', () => {
  it('runs the bootstrap with the entrypoint URL, npm packages from node_modules and no lockfile writes', () => {
    const args = denoArgs(spec({ kind: 'config', path: '/repo/edge-functions/deno.json' }));
    expect(args.slice(0, 5)).toEqual(['run', '--allow-all', '--no-prompt', '--no-lock', '--node-modules-dir=manual']);
    expect(args).toContain('--config');
    expect(args[args.indexOf('--config') + 1]).toBe('/repo/edge-functions/deno.json');
    expect(args.at(-2)).toMatch(/deno_bootstrap\.js$/);
    expect(args.at(-1)).toBe('file:///repo/edge-functions/f/index.ts');
  });

  it('passes a plain import map without letting Deno pick up an unrelated config', () => {
    const args = denoArgs(spec({ kind: 'import_map', path: '/repo/supabase/functions/import_map.json' }));
    expect(args).toContain('--no-config');
    expect(args[args.indexOf('--import-map') + 1]).toBe('/repo/supabase/functions/import_map.json');
    expect(denoArgs(spec(null))).toContain('--no-config');
    expect(denoArgs(spec(null))).not.toContain('--import-map');
  });
});
