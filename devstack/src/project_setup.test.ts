import { describe, expect, it } from 'vitest';
import { parseProjectSetupArgs } from './cli/project_setup.ts';
import { cronSecretsStatement, SetupError, validateCronSecrets } from './project_setup.ts';

const KEY = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz';

function setupError(fn: () => unknown): SetupError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SetupError) return err;
    throw err;
  }
  throw new Error('expected a SetupError');
}

describe('validateCronSecrets', () => {
  it('accepts an https project URL and a secret key, dropping a trailing slash', () => {
    expect(validateCronSecrets({ projectUrl: 'https://abcd.supabase.co/', secretKey: KEY })).toEqual({
      projectUrl: 'https://abcd.supabase.co',
      secretKey: KEY
    });
  });

  it('accepts http:// only with --local', () => {
    expect(setupError(() => validateCronSecrets({ projectUrl: 'http://127.0.0.1:54321', secretKey: KEY })).code).toBe('invalid_project_url');
    expect(validateCronSecrets({ projectUrl: 'http://127.0.0.1:54321', secretKey: KEY, local: true }).projectUrl).toBe('http://127.0.0.1:54321');
  });

  it('refuses what is not a project URL', () => {
    for (const projectUrl of [undefined, '', 'abcd.supabase.co', 'ftp://abcd.supabase.co', 'https://abcd.supabase.co/?x=1', 'https://u:p@abcd.supabase.co']) {
      const err = setupError(() => validateCronSecrets({ projectUrl, secretKey: KEY }));
      expect(err.code).toBe('invalid_project_url');
      expect(err.message).not.toContain('\n');
    }
  });

  it('refuses publishable keys, legacy JWTs and junk as the cron key', () => {
    for (const secretKey of [undefined, '', 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH', 'eyJhbGciOiJIUzI1NiJ9.e30.x', 'sb_secret_', 'sb_secret_has space']) {
      const err = setupError(() => validateCronSecrets({ projectUrl: 'https://abcd.supabase.co', secretKey }));
      expect(err.code).toBe('invalid_secret_key');
      expect(err.message).toMatch(/sb_secret_/);
    }
  });
});

describe('parseProjectSetupArgs', () => {
  it('takes flags, falling back to the environment', () => {
    expect(parseProjectSetupArgs(['--db-url', 'postgresql://x', '--project-url', 'https://a.supabase.co', '--secret-key', KEY], {})).toEqual({
      dbUrl: 'postgresql://x', projectUrl: 'https://a.supabase.co', secretKey: KEY, local: false
    });
    expect(parseProjectSetupArgs(['--local'], { SUPABASE_DB_URL: 'postgres://y', SUPABASE_URL: 'http://127.0.0.1:1', SUPABASE_SECRET_KEY: KEY })).toEqual({
      dbUrl: 'postgres://y', projectUrl: 'http://127.0.0.1:1', secretKey: KEY, local: true
    });
  });

  it('needs a database URL', () => {
    expect(setupError(() => parseProjectSetupArgs([], {})).code).toBe('missing_db_url');
    expect(() => parseProjectSetupArgs(['--unknown'], {})).toThrow();
  });
});

describe('cronSecretsStatement', () => {
  it('is the SQL file with its psql variables bound as $1 and $2', () => {
    const sql = cronSecretsStatement();
    expect(sql).toContain("('project_url', $1,");
    expect(sql).toContain("('cron_key', $2,");
    expect(sql).not.toMatch(/:'/);
    expect(sql).toMatch(/vault\.create_secret/);
    expect(sql).toMatch(/vault\.update_secret/);
  });
});
