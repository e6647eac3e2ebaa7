// `npm run settings:table` writes README.md's settings table from the settings schemas; `-- --check` only compares
// and fails, naming the fix, when the README is out of date (a step of npm test).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../config.ts';
import { renderSettingsTable, withSettingsTable } from '../settings_table.ts';

export async function main(argv: string[]): Promise<void> {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`Unknown argument "${unknown[0]}". Use --check to compare without writing.`);
    process.exit(2);
  }
  const file = join(REPO_ROOT, 'README.md');
  const readme = readFileSync(file, 'utf8');
  let next: string;
  try {
    next = withSettingsTable(readme, renderSettingsTable());
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  if (argv.includes('--check')) {
    if (next !== readme) {
      console.error('README.md\'s settings table is out of date with the settings schemas: run `npm run settings:table` and commit README.md.');
      process.exit(1);
    }
    console.log('README.md\'s settings table matches the settings schemas.');
    return;
  }
  if (next === readme) {
    console.log('README.md\'s settings table is up to date.');
    return;
  }
  writeFileSync(file, next);
  console.log('README.md\'s settings table written from the settings schemas.');
}
