// devstack start-up time: cold (initdb + Supabase base + migrations + seed + services) and warm (stopped cluster
// and services started again), median of 5 each, on a private directory and ports.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../devstack/src/testing/cli.ts';

const RUNS = 5;
const TARGET_WARM_S = 3;
const TARGET_COLD_S = 20;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timed(cmd: string, env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const r = await runCli(cmd, [], env);
  if (r.code !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

const root = mkdtempSync(join(tmpdir(), 'bench-stack-'));
chmodSync(root, 0o755);
const port = 57800 + Math.floor(Math.random() * 90) * 2;
const env = { DEVSTACK_DIR: join(root, 'state'), DEVSTACK_DB_PORT: String(port), DEVSTACK_API_PORT: String(port + 1) };
const cold: number[] = [];
const warm: number[] = [];
try {
  // Baseline in the same run: the launcher alone (Node start-up + status), which every start pays.
  const launcher = [] as number[];
  for (let i = 0; i < RUNS; i++) launcher.push(await timed('stack:status', env));
  for (let i = 0; i < RUNS; i++) {
    rmSync(join(root, 'state'), { recursive: true, force: true });
    cold.push(await timed('stack:start', env));
    await timed('stack:stop', env);
    warm.push(await timed('stack:start', env));
    await timed('stack:stop', env);
  }
  const c = median(cold);
  const w = median(warm);
  const l = median(launcher);
  console.log('bench stack-start (median of 5)');
  console.log(`  launcher baseline (stack:status)  ${l.toFixed(2)} s`);
  console.log(`  cold start                        ${c.toFixed(2)} s   target <= ${TARGET_COLD_S} s   ${c <= TARGET_COLD_S ? 'ok' : 'OVER'}   ${(c / l).toFixed(1)}x baseline`);
  console.log(`  warm start                        ${w.toFixed(2)} s   target <= ${TARGET_WARM_S} s   ${w <= TARGET_WARM_S ? 'ok' : 'OVER'}   ${(w / l).toFixed(1)}x baseline`);
} finally {
  await runCli('stack:stop', [], env);
  rmSync(root, { recursive: true, force: true });
}
