import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultedSetting, optionalSetting, requiredSetting, text, url } from '../../core/src/settings_schema.ts';
import { REPO_ROOT } from './config.ts';
import { acceptedNames, allSettings, readmeSettingsTable, renderSettingsTable, TABLE_END, TABLE_START, withSettingsTable } from './settings_table.ts';

/** Product code: what runs in production (tests and test helpers excluded). */
const PRODUCT_DIRS = ['edge-functions', 'media-relay/src', 'web/src', 'core/src'];
const PRODUCT_FILES = ['vite.config.ts', 'svelte.config.js'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'testing') out.push(...sourceFiles(p));
    } else if (/\.(ts|js|svelte)$/.test(e.name) && !/\.test\.ts$/.test(e.name) && e.name !== 'testing.ts' && e.name !== 'fakes.ts') {
      out.push(p);
    }
  }
  return out;
}

// The ways product code reads a setting by name.
const READS: readonly RegExp[] = [
  /Deno\.env\.get\(\s*['"`]([A-Z][A-Z0-9_]*)['"`]/g,
  /process\.env\.([A-Z][A-Z0-9_]*)/g,
  /process\.env\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g,
  /\b[a-zA-Z]*[eE]nv\??\.([A-Z][A-Z0-9_]{2,})\b/g,
  /\b(?:get|env)\(\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\)/g,
  /\b(?:functionSettings|functionSettingsFrom)\(\s*\[([^\]]*)\]/g
];

function namesRead(source: string): string[] {
  const names: string[] = [];
  for (const re of READS) {
    for (const m of source.matchAll(re)) {
      // A settings list names several at once.
      if (m[1]!.includes("'")) names.push(...[...m[1]!.matchAll(/'([A-Z][A-Z0-9_]*)'/g)].map((x) => x[1]!));
      else names.push(m[1]!);
    }
  }
  for (const m of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"]\$env\/static\/(?:public|private)['"]/g)) {
    names.push(...m[1]!.split(',').map((s) => s.trim().split(/\s+as\s+/)[0]!).filter(Boolean));
  }
  return names;
}

describe('the settings table', () => {
  it('has every setting the product code reads, in the README', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const table = readmeSettingsTable(readme);
    expect(table, 'README.md has no settings table').not.toBeNull();
    const documented = new Set([...table!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!));
    const files = [...PRODUCT_DIRS.flatMap((d) => sourceFiles(join(REPO_ROOT, d))), ...PRODUCT_FILES.map((f) => join(REPO_ROOT, f))];
    const missing: string[] = [];
    let seen = 0;
    for (const file of files) {
      for (const name of namesRead(readFileSync(file, 'utf8'))) {
        seen++;
        if (!documented.has(name)) missing.push(`${name} (${relative(REPO_ROOT, file)})`);
      }
    }
    // The scan finds the reads it is meant to find (or it would pass on nothing).
    expect(seen).toBeGreaterThan(50);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('finds reads in each of their forms', () => {
    expect([...new Set(namesRead(`
      Deno.env.get('A_ONE'); process.env.B_TWO; process.env['C_THREE']; privateEnv.D_FOUR; env?.E_FIVE;
      get('F_SIX'); functionSettings(['G_SEVEN', 'H_EIGHT']); import { I_NINE, J_TEN as ten } from '$env/static/private';
    `))].sort()).toEqual(['A_ONE', 'B_TWO', 'C_THREE', 'D_FOUR', 'E_FIVE', 'F_SIX', 'G_SEVEN', 'H_EIGHT', 'I_NINE', 'J_TEN']);
  });

  it('lists every name a process accepts, aliases included, once', () => {
    const names = acceptedNames();
    for (const n of ['SITE_URL', 'TWILIO_FROM_NUMBER', 'TWILIO_PHONE_NUMBER', 'CEREBRAS_API_KEY', 'OPENAI_API_KEY', 'DEVSTACK_DIR', 'AUTH_JWT_EXPIRY']) expect(names).toContain(n);
    const rows = allSettings().map((i) => i.name);
    expect(new Set(rows).size).toBe(rows.length);
  });

  it('refuses one name described two ways', () => {
    const a = { X: requiredSetting({ name: 'X', production: 'required', readBy: ['relay'], meaning: 'one thing' }, text()) };
    const b = { X: optionalSetting({ name: 'X', production: 'optional', readBy: ['web'], meaning: 'another' }, text()) };
    expect(() => allSettings([a, b])).toThrow('X is described twice, differently');
  });

  it('renders names, aliases, production needs and defaults', () => {
    const table = renderSettingsTable(allSettings([{
      A: requiredSetting({ name: 'A', aliases: ['A_OLD'], production: 'required', readBy: ['functions', 'relay'], meaning: 'the <ref> | pipe' }, url(['https:'])),
      B: defaultedSetting({ name: 'B', production: 'optional', default: '5', readBy: ['web'], meaning: 'b' }, text()),
      C: optionalSetting({ name: 'C', production: 'required', requiredWhen: 'D is on', readBy: ['relay'], meaning: 'c' }, text()),
      E: optionalSetting({ name: 'E', production: 'platform', readBy: ['functions'], meaning: 'e' }, text())
    }]));
    expect(table.split('\n').slice(2)).toEqual([
      '| `A` (or `A_OLD`) | functions, relay | yes | — | the &lt;ref&gt; \\| pipe |',
      '| `B` | web | no | `5` | b |',
      '| `C` | relay | when D is on | unset | c |',
      '| `E` | functions | set by Supabase | unset | e |'
    ]);
  });

  it('replaces only what lies between the markers', () => {
    const readme = `# Title\n\n${TABLE_START}\nold\n${TABLE_END}\n\nAfter.\n`;
    expect(withSettingsTable(readme, '| new |')).toBe(`# Title\n\n${TABLE_START}\n| new |\n${TABLE_END}\n\nAfter.\n`);
    expect(() => withSettingsTable('# no markers', '| new |')).toThrow(/no settings markers/);
  });
});
