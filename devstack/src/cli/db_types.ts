// `npm run db:types` writes core/src/database.types.ts from the running devstack's database (schema public), as
// `supabase gen types typescript --local` does: the same generator, @supabase/postgres-meta in its typegen mode, run
// offline against devstack's PostgreSQL. `-- --check` only compares and fails, naming the first difference, when the
// committed file is not what the database generates now (a step of npm test).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from '../config.ts';
import { isRunning } from '../db/cluster.ts';
import { stackStatus } from '../stack.ts';

export const DATABASE_TYPES_FILE = join(REPO_ROOT, 'core', 'src', 'database.types.ts');
const SCHEMAS = ['public'];

function postgresMetaServer(): string {
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  const pkg = require.resolve('@supabase/postgres-meta/package.json');
  return join(dirname(pkg), 'dist', 'server', 'server.js');
}

/** The TypeScript types of `dbUrl`'s schemas, exactly as postgres-meta prints them. */
export function generateDatabaseTypes(dbUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [postgresMetaServer()], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PG_META_GENERATE_TYPES: 'typescript',
        PG_META_DB_URL: dbUrl,
        PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS: SCHEMAS.join(','),
        PG_META_GENERATE_TYPES_DEFAULT_SCHEMA: 'public',
        PG_META_GENERATE_TYPES_DETECT_ONE_TO_ONE_RELATIONSHIPS: 'true',
        NODE_NO_WARNINGS: '1'
      },
      stdio: ['ignore', 'pipe', 'pipe']
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && out.includes('export type Database')) resolve(out);
      else reject(new Error(`postgres-meta typegen failed (exit ${code}): ${err.trim() || out.trim() || 'no output'}`));
    });
  });
}

/** One line naming where `committed` and `fresh` first differ, or null when they are the same. */
export function describeDifference(committed: string, fresh: string): string | null {
  if (committed === fresh) return null;
  const a = committed.split('\n');
  const b = fresh.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  // The enclosing table, view, function or enum, for a reader who does not want to open the file.
  let where = '';
  for (let j = Math.min(i, b.length - 1); j >= 0; j--) {
    const m = /^ {6}(\w+): \{$/.exec(b[j] ?? '') ?? /^ {6}(\w+): \{$/.exec(a[j] ?? '');
    if (m) {
      where = ` (in ${m[1]})`;
      break;
    }
  }
  const show = (s: string | undefined) => (s === undefined ? '(end of file)' : JSON.stringify(s.trim()));
  return `line ${i + 1}${where}: committed ${show(a[i])}, database ${show(b[i])}` + (a.length === b.length ? '' : ` (committed ${a.length} lines, database ${b.length})`);
}

export async function main(argv: string[]): Promise<void> {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`Unknown argument "${unknown[0]}". Use --check to compare without writing.`);
    process.exit(2);
  }
  if (!isRunning()) {
    console.error('devstack\'s database is not running: start it with `npm run stack:start` (it applies the migrations), then run this again.');
    process.exit(1);
  }
  const file = relative(REPO_ROOT, DATABASE_TYPES_FILE);
  let fresh: string;
  try {
    fresh = await generateDatabaseTypes(String(stackStatus().DB_URL));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const committed = existsSync(DATABASE_TYPES_FILE) ? readFileSync(DATABASE_TYPES_FILE, 'utf8') : '';
  const difference = describeDifference(committed, fresh);
  if (argv.includes('--check')) {
    if (difference) {
      console.error(`${file} differs from the database's types at ${difference}. Run \`npm run db:types\` and commit ${file}.`);
      process.exit(1);
    }
    console.log(`${file} matches the database's types.`);
    return;
  }
  if (!difference) {
    console.log(`${file} is up to date.`);
    return;
  }
  writeFileSync(DATABASE_TYPES_FILE, fresh);
  console.log(`${file} written from the database (schema ${SCHEMAS.join(', ')}).`);
}
