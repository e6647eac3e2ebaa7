// `npm run preflight -- --env-file <file> [--online] [--local]`: checks a production configuration before it goes
// live. Offline by default; --online also asks Supabase, the vendors and the relay; --local accepts loopback
// addresses (a configuration of a local stack). Reads only the file, never this shell's environment. One line per
// failure, naming the setting and what to do; exit code 1 when any check fails, 2 for a wrong command line.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDotenv } from '../functions/dotenv.ts';
import { formatFinding, type Finding } from '../preflight/findings.ts';
import { offlineChecks } from '../preflight/offline.ts';
import { onlineChecks } from '../preflight/online.ts';

export interface PreflightArgs {
  envFile: string;
  online: boolean;
  local: boolean;
}

export function parsePreflightArgs(argv: readonly string[]): PreflightArgs {
  let envFile: string | undefined;
  let online = false;
  let local = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--online') online = true;
    else if (a === '--local') local = true;
    else if (a === '--env-file') envFile = argv[++i];
    else if (a.startsWith('--env-file=')) envFile = a.slice('--env-file='.length);
    else throw new Error(`Unknown argument "${a}". Usage: npm run preflight -- --env-file <file> [--online] [--local]`);
  }
  if (!envFile) throw new Error('Name the configuration to check: npm run preflight -- --env-file <file> [--online] [--local]');
  return { envFile, online, local };
}

/** Every finding, and the online checks that passed. */
export async function preflight(text: string, args: Omit<PreflightArgs, 'envFile'>, fetchImpl: typeof fetch = fetch): Promise<{ findings: Finding[]; passed: string[] }> {
  const { values, problems } = parseDotenv(text);
  const findings: Finding[] = problems.map((p) => ({ setting: 'env file', message: `${p}: that line is not read.` }));
  findings.push(...offlineChecks(values, { local: args.local }));
  if (!args.online) return { findings, passed: [] };
  const online = await onlineChecks(values, { fetch: fetchImpl, timeoutMs: 10_000 });
  return { findings: [...findings, ...online.findings], passed: online.passed };
}

export async function main(argv: string[]): Promise<void> {
  let args: PreflightArgs;
  try {
    args = parsePreflightArgs(argv);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const file = resolve(process.cwd(), args.envFile);
  if (!existsSync(file)) {
    console.error(`${args.envFile} does not exist: write the production settings there, one NAME=value per line.`);
    process.exit(2);
  }
  console.log(`preflight of ${args.envFile}: ${args.online ? 'offline and online' : 'offline'} checks${args.local ? ', loopback addresses accepted (--local)' : ''}`);
  const { findings, passed } = await preflight(readFileSync(file, 'utf8'), args);
  for (const f of findings) console.log(formatFinding(f));
  for (const p of passed) console.log(`✓ ${p}`);
  if (findings.length > 0) {
    console.log(`preflight: ${findings.length} problem${findings.length === 1 ? '' : 's'}; fix ${findings.length === 1 ? 'it' : 'them'} and run preflight again.`);
    process.exit(1);
  }
  console.log(`preflight: the configuration is ready${args.online ? `; ${passed.length} services answered as expected` : ' (run with --online to ask the services too)'}.`);
}
