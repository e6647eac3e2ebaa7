// `npm run functions:bundle`: bundles every edge function from a clean copy of the repository the way
// `supabase functions deploy` does (import map only, no node_modules), stopping at the first that fails.
// `-- --ref <rev>` bundles a commit (`git archive`) instead of the working tree's tracked files;
// `-- --update-lock` rewrites edge-functions/deno.lock after the imports changed.
import { join } from 'node:path';
import { config, REPO_ROOT } from '../config.ts';
import { BundleError, bundleFunctions, cleanCheckout, removeCheckout, updateLockfiles, type BundleResult } from '../functions/bundle_check.ts';

export interface BundleCliArgs {
  ref: string | null;
  updateLock: boolean;
}

export function parseBundleArgs(args: string[]): BundleCliArgs {
  const parsed: BundleCliArgs = { ref: null, updateLock: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--update-lock') parsed.updateLock = true;
    else if (arg === '--ref' && args[i + 1] && !args[i + 1]!.startsWith('--')) parsed.ref = args[++i]!;
    else if (arg.startsWith('--ref=') && arg.length > '--ref='.length) parsed.ref = arg.slice('--ref='.length);
    else throw new Error(`Unknown argument "${arg}". Use --ref <commit> or --update-lock.`);
  }
  if (parsed.ref && parsed.updateLock) throw new Error('--update-lock writes the working tree\'s lockfile; it takes no --ref.');
  return parsed;
}

export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(2)} MB`;
}

export function bundleLine(r: BundleResult): string {
  return `  ${r.slug.padEnd(28)} ${formatSize(r.bytes).padStart(9)}  ${r.entrypoint}`;
}

const denoBin = join(REPO_ROOT, 'node_modules', '.bin', 'deno');
// One npm cache per devstack directory, shared with the functions devstack serves: the second run downloads nothing.
const denoDir = () => join(config.stateDir, 'deno');

/** Bundles every function; `error` is set when one failed (the results before it are kept). */
export async function runBundleCheck(ref: string | null): Promise<{ results: BundleResult[]; error: string | null }> {
  const from = ref ? `commit ${ref} (git archive)` : 'the tracked files of the working tree';
  console.log(`bundling the functions of supabase/config.toml from ${from}, without node_modules`);
  const results: BundleResult[] = [];
  let checkout: string | null = null;
  try {
    checkout = await cleanCheckout(REPO_ROOT, ref);
    await bundleFunctions({
      denoBin,
      denoDir: denoDir(),
      checkoutDir: checkout,
      outDir: join(checkout, '.bundles'),
      onBundled: (r) => {
        results.push(r);
        console.log(bundleLine(r));
      }
    });
    return { results, error: null };
  } catch (err) {
    if (!(err instanceof BundleError)) throw err;
    return { results, error: err.message };
  } finally {
    if (checkout) removeCheckout(checkout);
  }
}

export async function main(args: string[]): Promise<void> {
  let parsed: BundleCliArgs;
  try {
    parsed = parseBundleArgs(args);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  if (parsed.updateLock) {
    try {
      const written = await updateLockfiles({ denoBin, denoDir: denoDir(), repoRoot: REPO_ROOT });
      console.log(`written: ${written.join(', ')}`);
    } catch (err) {
      if (!(err instanceof BundleError)) throw err;
      console.error(err.message);
      process.exit(1);
    }
    return;
  }
  const t0 = performance.now();
  const { results, error } = await runBundleCheck(parsed.ref);
  if (error) {
    console.error(`FAILED ${error}`);
    process.exit(1);
  }
  console.log(`${results.length} functions bundled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
