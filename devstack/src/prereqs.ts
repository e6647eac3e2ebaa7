// System prerequisites: finds PostgreSQL (with pg_cron, pgTAP, pg_prove, wal2json), Chromium, espeak-ng, sox and
// pocketsphinx; installs what is missing with apt when root on Debian/Ubuntu, else prints the exact command.
// When everything is present this is a handful of stat calls.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { config, findPostgres } from './config.ts';

export interface Requirement {
  what: string;
  present: boolean;
  aptPackages: string[];
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, cmd)));
}

const DEFAULT_PG_MAJOR = 15;

export function checkRequirements(): Requirement[] {
  const pg = findPostgres(config.explicitPgBinDir ?? undefined);
  const major = pg && pg.major >= 15 ? pg.major : DEFAULT_PG_MAJOR;
  const pgLib = `/usr/lib/postgresql/${major}/lib`;
  const pgShare = `/usr/share/postgresql/${major}/extension`;
  return [
    { what: `PostgreSQL ${major} server`, present: !!pg && pg.major >= 15, aptPackages: [`postgresql-${major}`, `postgresql-contrib`] },
    { what: 'pg_cron', present: existsSync(join(pgLib, 'pg_cron.so')), aptPackages: [`postgresql-${major}-cron`] },
    { what: 'pgTAP', present: existsSync(join(pgShare, 'pgtap.control')), aptPackages: [`postgresql-${major}-pgtap`] },
    { what: 'pg_prove', present: onPath('pg_prove'), aptPackages: ['libtap-parser-sourcehandler-pgtap-perl'] },
    { what: 'wal2json', present: existsSync(join(pgLib, 'wal2json.so')), aptPackages: [`postgresql-${major}-wal2json`] },
    { what: 'Chromium', present: existsSync('/usr/bin/chromium'), aptPackages: ['chromium'] },
    { what: 'espeak-ng', present: onPath('espeak-ng'), aptPackages: ['espeak-ng'] },
    { what: 'sox', present: onPath('sox'), aptPackages: ['sox'] },
    {
      what: 'pocketsphinx with its English model',
      present: onPath('pocketsphinx_continuous') && existsSync('/usr/share/pocketsphinx/model/en-us/en-us'),
      aptPackages: ['pocketsphinx', 'pocketsphinx-en-us']
    }
  ];
}

function isDebianLike(): boolean {
  if (!existsSync('/etc/os-release')) return false;
  const text = readFileSync('/etc/os-release', 'utf8');
  return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(text);
}

export function installCommand(packages: string[]): string {
  return `sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`;
}

export type PrerequisitePlan =
  | { action: 'none' }
  | { action: 'apt'; packages: string[]; missing: string }
  | { action: 'instruct'; message: string };

/** What to do about missing requirements on this kind of machine. Pure, so the messages are testable. */
export function planPrerequisites(reqs: Requirement[], host: { root: boolean; debianLike: boolean }): PrerequisitePlan {
  const missing = reqs.filter((r) => !r.present);
  if (missing.length === 0) return { action: 'none' };
  const packages = [...new Set(missing.flatMap((r) => r.aptPackages))];
  const names = missing.map((r) => r.what).join(', ');
  if (host.root && host.debianLike) return { action: 'apt', packages, missing: names };
  return { action: 'instruct', message: `Missing prerequisites: ${names}.\nInstall them with:\n  ${installCommand(packages)}` };
}

/** Ensures every prerequisite is present. Throws with the exact install command when it cannot install. */
export function ensurePrerequisites(log: (line: string) => void = console.log): void {
  const plan = planPrerequisites(checkRequirements(), { root: process.getuid?.() === 0, debianLike: isDebianLike() });
  if (plan.action === 'none') return;
  if (plan.action === 'instruct') throw new Error(plan.message);
  log(`Installing missing prerequisites (${plan.missing}) with apt: ${plan.packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...plan.packages]]) {
    const res = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (res.status !== 0) throw new Error(`apt-get ${args[0]} failed; run it yourself: ${installCommand(plan.packages)}`);
  }
  const still = checkRequirements().filter((r) => !r.present);
  if (still.length > 0) throw new Error(`Still missing after apt: ${still.map((r) => r.what).join(', ')}.`);
}
