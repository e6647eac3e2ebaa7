import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../config.ts';

export async function main(): Promise<void> {
  const bin = (n: string) => join(REPO_ROOT, 'node_modules', '.bin', n);
  const steps: [string, string[]][] = [
    [bin('svelte-kit'), ['sync']],
    [bin('tsc'), ['-p', 'tsconfig.json']],
    [bin('svelte-check'), ['--tsconfig', './web/tsconfig.json', '--threshold', 'error']]
  ];
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { cwd: REPO_ROOT, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
