import { describe, expect, it } from 'vitest';
import { checkRequirements, planPrerequisites, type Requirement } from './prereqs.ts';

const reqs = (missing: string[]): Requirement[] => [
  { what: 'PostgreSQL 15 server', present: !missing.includes('pg'), aptPackages: ['postgresql-15', 'postgresql-contrib'] },
  { what: 'pg_cron', present: !missing.includes('cron'), aptPackages: ['postgresql-15-cron'] },
  { what: 'sox', present: !missing.includes('sox'), aptPackages: ['sox'] }
];

describe('planPrerequisites', () => {
  it('does nothing when everything is present', () => {
    expect(planPrerequisites(reqs([]), { root: false, debianLike: false })).toEqual({ action: 'none' });
  });

  it('prints the exact apt command naming what is missing when it cannot install', () => {
    const plan = planPrerequisites(reqs(['cron', 'sox']), { root: false, debianLike: true });
    expect(plan).toEqual({
      action: 'instruct',
      message: 'Missing prerequisites: pg_cron, sox.\nInstall them with:\n  sudo apt-get update && sudo apt-get install -y postgresql-15-cron sox'
    });
  });

  it('installs with apt when root on Debian, de-duplicating packages', () => {
    const plan = planPrerequisites(reqs(['pg', 'cron']), { root: true, debianLike: true });
    expect(plan).toEqual({ action: 'apt', packages: ['postgresql-15', 'postgresql-contrib', 'postgresql-15-cron'], missing: 'PostgreSQL 15 server, pg_cron' });
  });

  it('checks every system package the product needs', () => {
    const names = checkRequirements().map((r) => r.what).join(' ');
    for (const what of ['PostgreSQL', 'pg_cron', 'pgTAP', 'pg_prove', 'Chromium', 'espeak-ng', 'sox', 'pocketsphinx']) {
      expect(names).toContain(what);
    }
  });
});
