// `npm test`: every check, in order of cost: prerequisites, typecheck, unit, Deno, web build, then against a started
// devstack: pgTAP, integration, e2e. Ends with one line counting every test that ran.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../config.ts';
import { ensurePrerequisites } from '../prereqs.ts';
import { servicesPid, startStack, stackStatus, stopStack } from '../stack.ts';
import { isRunning } from '../db/cluster.ts';
import { runBundleCheck } from './bundle_functions.ts';

interface StepResult {
  name: string;
  ok: boolean;
  passed: number;
  failed: number;
  seconds: number;
}

const bin = (name: string) => join(REPO_ROOT, 'node_modules', '.bin', name);
const reportDir = join(REPO_ROOT, '.devstack', 'test-reports');

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const tee = (chunk: Buffer, to: NodeJS.WriteStream) => {
      output += chunk.toString();
      to.write(chunk);
    };
    child.stdout.on('data', (c: Buffer) => tee(c, process.stdout));
    child.stderr.on('data', (c: Buffer) => tee(c, process.stderr));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function vitestCounts(file: string): { passed: number; failed: number } {
  if (!existsSync(file)) return { passed: 0, failed: 0 };
  const r = JSON.parse(readFileSync(file, 'utf8')) as { numPassedTests: number; numFailedTests: number };
  return { passed: r.numPassedTests, failed: r.numFailedTests };
}

function findFiles(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findFiles(p, suffix));
    else if (entry.name.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

async function step(name: string, fn: () => Promise<Omit<StepResult, 'name' | 'seconds'>>): Promise<StepResult> {
  console.log(`\n=== ${name} ===`);
  const t0 = performance.now();
  let r: Omit<StepResult, 'name' | 'seconds'>;
  try {
    r = await fn();
  } catch (err) {
    console.error((err as Error).message);
    r = { ok: false, passed: 0, failed: 1 };
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`--- ${name}: ${r.ok ? 'ok' : 'FAILED'} (${r.passed} passed, ${r.failed} failed, ${seconds.toFixed(1)} s)`);
  return { name, seconds, ...r };
}

async function vitest(name: string, config: string): Promise<Omit<StepResult, 'name' | 'seconds'>> {
  const out = join(reportDir, `${name}.json`);
  rmSync(out, { force: true });
  const { code } = await run(bin('vitest'), ['run', '-c', config, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  const counts = vitestCounts(out);
  return { ok: code === 0 && counts.failed === 0, ...counts, failed: code !== 0 && counts.failed === 0 ? 1 : counts.failed };
}

/** The stack's values under the names functions read, for handler tests against devstack. */
function stackEnvForFunctions(): Record<string, string> {
  const s = stackStatus();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(s)) env[k] = String(v);
  env.SUPABASE_URL = String(s.API_URL);
  env.SUPABASE_DB_URL = String(s.DB_URL);
  // As the platform sets them: the JSON key maps always, the legacy JWTs only while the stack has them.
  env.SUPABASE_PUBLISHABLE_KEYS = JSON.stringify({ default: String(s.PUBLISHABLE_KEY) });
  env.SUPABASE_SECRET_KEYS = JSON.stringify({ default: String(s.SECRET_KEY) });
  if (s.ANON_KEY) env.SUPABASE_ANON_KEY = String(s.ANON_KEY);
  if (s.SERVICE_ROLE_KEY) env.SUPABASE_SERVICE_ROLE_KEY = String(s.SERVICE_ROLE_KEY);
  return env;
}

async function denoTests(suffix: string, env: Record<string, string>): Promise<Omit<StepResult, 'name' | 'seconds'>> {
  const files = findFiles(join(REPO_ROOT, 'edge-functions'), suffix).filter(
    (f) => suffix !== '.test.ts' || !f.endsWith('.integration.test.ts')
  );
  if (files.length === 0) return { ok: true, passed: 0, failed: 0 };
  const { code, output } = await run(bin('deno'), ['test', '--allow-all', '--no-prompt', '--config', 'edge-functions/deno.json', ...files], { ...env, NO_COLOR: '1' });
  const m = /(ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(output);
  const passed = m ? Number(m[2]) : 0;
  const failed = m ? Number(m[3]) : code === 0 ? 0 : 1;
  return { ok: code === 0, passed, failed: code !== 0 && failed === 0 ? 1 : failed };
}

export async function main(): Promise<void> {
  mkdirSync(reportDir, { recursive: true });
  const results: StepResult[] = [];
  results.push(
    await step('prerequisites', async () => {
      ensurePrerequisites();
      return { ok: true, passed: 0, failed: 0 };
    })
  );
  results.push(
    await step('typecheck', async () => {
      const sync = await run(bin('svelte-kit'), ['sync']);
      const tsc = await run(bin('tsc'), ['-p', 'tsconfig.json']);
      const svelte = await run(bin('svelte-check'), ['--tsconfig', './web/tsconfig.json', '--threshold', 'error', '--output', 'human']);
      const ok = sync.code === 0 && tsc.code === 0 && svelte.code === 0;
      return { ok, passed: 0, failed: ok ? 0 : 1 };
    })
  );
  results.push(
    await step('settings table (README current)', async () => {
      const { code } = await run(process.execPath, [join(REPO_ROOT, 'devstack', 'bin', 'run.mjs'), 'settings:table', '--check']);
      return { ok: code === 0, passed: 0, failed: code === 0 ? 0 : 1 };
    })
  );
  results.push(await step('unit (vitest)', () => vitest('unit', 'vitest.config.ts')));
  results.push(await step('edge functions (deno test)', () => denoTests('.test.ts', {})));
  results.push(
    await step('edge functions bundle (clean checkout)', async () => {
      const { results: bundled, error } = await runBundleCheck(null);
      if (error) console.error(`FAILED ${error}`);
      return { ok: error === null, passed: bundled.length, failed: error ? 1 : 0 };
    })
  );
  results.push(
    await step('web build', async () => {
      const { code } = await run(bin('vite'), ['build', '--logLevel', 'warn']);
      return { ok: code === 0, passed: 0, failed: code === 0 ? 0 : 1 };
    })
  );

  const wasRunning = isRunning() && servicesPid() !== null;
  const stackUp = await step('devstack start', async () => {
    const r = await startStack();
    console.log(`devstack ${r.cold ? 'created' : 'running'}; ${r.migrations.applied.length} migrations applied now`);
    return { ok: true, passed: 0, failed: 0 };
  });
  results.push(stackUp);
  if (stackUp.ok) {
    const dbUrl = String(stackStatus().DB_URL);
    results.push(
      await step('database (pgTAP)', async () => {
        const files = findFiles(join(REPO_ROOT, 'supabase', 'tests', 'database'), '.test.sql');
        if (files.length === 0) return { ok: true, passed: 0, failed: 0 };
        const { code, output } = await run('pg_prove', ['--ext', '.sql', '-d', dbUrl, ...files]);
        const tests = /Tests=(\d+)/.exec(output);
        const failedTests = [...output.matchAll(/Failed (\d+)\/\d+ subtests/g)].reduce((n, m) => n + Number(m[1]), 0);
        const total = tests ? Number(tests[1]) : 0;
        const failed = code === 0 ? 0 : Math.max(failedTests, 1);
        return { ok: code === 0, passed: total - failedTests, failed };
      })
    );
    results.push(
      await step('database types (npm run db:types -- --check)', async () => {
        const { code } = await run(process.execPath, [join(REPO_ROOT, 'devstack', 'bin', 'run.mjs'), 'db:types', '--check']);
        return { ok: code === 0, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 };
      })
    );
    results.push(await step('integration (vitest against devstack)', () => vitest('integration', 'vitest.integration.config.ts')));
    results.push(
      await step('packages (production install, started)', async () => {
        const { code, output } = await run(process.execPath, [join(REPO_ROOT, 'devstack', 'bin', 'run.mjs'), 'package:check']);
        const passed = output.match(/^package-check ok /gm)?.length ?? 0;
        const failed = output.match(/^package-check FAILED /gm)?.length ?? 0;
        return { ok: code === 0, passed, failed: code !== 0 && failed === 0 ? 1 : failed };
      })
    );
    results.push(await step('edge functions against devstack (deno test)', () => denoTests('.integration.test.ts', stackEnvForFunctions())));
    results.push(
      await step('e2e (Playwright, Chromium)', async () => {
        const { code, output } = await run(bin('playwright'), ['test', '-c', 'e2e/playwright.config.ts']);
        const passed = Number(/(\d+) passed/.exec(output)?.[1] ?? 0);
        const failed = Number(/(\d+) failed/.exec(output)?.[1] ?? 0);
        return { ok: code === 0, passed, failed: code !== 0 && failed === 0 ? 1 : failed };
      })
    );
  }
  if (!wasRunning) await stopStack();
  // Production mode: the hosted profile on its own directory and ports, with its own start and stop.
  results.push(
    await step('e2e production mode (hosted profile)', async () => {
      const { code, output } = await run(process.execPath, [join(REPO_ROOT, 'devstack', 'bin', 'run.mjs'), 'e2e:production']);
      const passed = Number(/(\d+) passed/.exec(output)?.[1] ?? 0);
      const failed = Number(/(\d+) failed/.exec(output)?.[1] ?? 0);
      return { ok: code === 0, passed, failed: code !== 0 && failed === 0 ? 1 : failed };
    })
  );

  console.log('\n=== summary ===');
  for (const r of results) {
    console.log(`${r.ok ? 'ok    ' : 'FAILED'} ${r.name.padEnd(40)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(3)} failed ${r.seconds.toFixed(1).padStart(6)} s`);
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(`total: ${passed} passed, ${failed} failed`);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}
