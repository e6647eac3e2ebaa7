// One spacing and type scale (app.css :root): every margin, padding, gap and font size in the app's styles is a step
// of it, so pages line up and a change of the scale reaches them all. This reads the styles as written and names each
// declaration that measures in rem by hand. Fluid headings (clamp) and pixel hairlines are not spacing steps.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));
const DECLARATION = /\b((?:margin|padding|gap|row-gap|column-gap)(?:-[a-z-]+)?|font-size)\s*:\s*([^;}]+)/g;

function styleSources(dir: string): { file: string; css: string }[] {
  const out: { file: string; css: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...styleSources(path));
    else if (entry.name.endsWith('.css')) out.push({ file: relative(SRC, path), css: readFileSync(path, 'utf8') });
    else if (entry.name.endsWith('.svelte')) {
      const blocks = [...readFileSync(path, 'utf8').matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
      if (blocks.length > 0) out.push({ file: relative(SRC, path), css: blocks.join('\n') });
    }
  }
  return out;
}

/** Declarations whose value measures in rem outside the scale's variables. */
function offScale(css: string): string[] {
  const found: string[] = [];
  for (const m of css.matchAll(DECLARATION)) {
    const value = m[2]!.trim();
    if (value.startsWith('clamp(')) continue;
    if (/\d(\.\d+)?rem\b/.test(value.replace(/var\([^)]*\)/g, ''))) found.push(`${m[1]}: ${value}`);
  }
  return found;
}

describe('spacing and type scale', () => {
  const sources = styleSources(SRC);

  it('reads the styles of the pages and components', () => {
    expect(sources.length).toBeGreaterThan(20);
    expect(sources.some((s) => s.file === 'app.css')).toBe(true);
  });

  it('measures every margin, padding, gap and font size in steps of the scale', () => {
    const offenders = sources.flatMap((s) => offScale(s.css).map((d) => `${s.file}: ${d}`));
    expect(offenders).toEqual([]);
  });

  it('notices a size written by hand', () => {
    expect(offScale('.x { margin: 0 0.6rem; font-size: 0.92rem; gap: var(--space-2); padding: calc(-1 * var(--space-1)); }'))
      .toEqual(['margin: 0 0.6rem', 'font-size: 0.92rem']);
  });
});
