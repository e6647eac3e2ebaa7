// `npm run bench`: every bench/*.bench.ts in turn (or those whose names contain the given words).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../config.ts';
import { startStack } from '../stack.ts';

export async function main(args: string[]): Promise<void> {
  const dir = join(REPO_ROOT, 'bench');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => args.length === 0 || args.some((a) => f.includes(a)))
    .sort();
  await startStack();
  if (files.some((f) => f.startsWith('web_'))) {
    // The web benchmarks measure the production build.
    const build = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (build.status !== 0) process.exit(1);
  }
  let failed = 0;
  for (const f of files) {
    console.log(`\n=== ${f} ===`);
    const r = spawnSync(process.execPath, [join(dir, f)], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (r.status !== 0) failed++;
  }
  if (failed > 0) {
    console.error(`${failed} benchmark(s) failed to run`);
    process.exit(1);
  }
}
