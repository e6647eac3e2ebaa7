// Renders a component to HTML for tests, without a bundler: compiles it with the Svelte compiler (server output),
// points `$lib/...` imports at the real modules and loads the result. Lets plain vitest check what a component
// shows for given props.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile } from 'svelte/compiler';
import type { Component } from 'svelte';
import { render } from 'svelte/server';

const here = dirname(fileURLToPath(import.meta.url));
const lib = join(here, '..');

export async function renderComponent(file: string, props: Record<string, unknown>): Promise<string> {
  const source = readFileSync(join(here, file), 'utf8');
  const { js } = compile(source, { generate: 'server', filename: file, runes: true });
  const code = js.code
    .replace(/from ['"]\$lib\/([^'"]+)['"]/g, (_m, path: string) => `from ${JSON.stringify(pathToFileURL(join(lib, `${path}.ts`)).href)}`)
    .replace(/from ['"](svelte[^'"]*)['"]/g, (_m, spec: string) => `from ${JSON.stringify(import.meta.resolve(spec))}`);
  const target = join(tmpdir(), `cmb-ssr-${file}-${process.pid}-${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(target, code);
  try {
    const mod = (await import(/* @vite-ignore */ pathToFileURL(target).href)) as { default: Component<Record<string, unknown>> };
    return render(mod.default, { props }).body;
  } finally {
    rmSync(target, { force: true });
  }
}
