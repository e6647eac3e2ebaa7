import { describe, expect, it } from 'vitest';
import { parsePreflightArgs, preflight } from './preflight.ts';

describe('preflight command line', () => {
  it('needs an env file and takes --online and --local', () => {
    expect(parsePreflightArgs(['--env-file', 'prod.env'])).toEqual({ envFile: 'prod.env', online: false, local: false });
    expect(parsePreflightArgs(['--online', '--env-file=prod.env', '--local'])).toEqual({ envFile: 'prod.env', online: true, local: true });
    expect(() => parsePreflightArgs(['--online'])).toThrow(/--env-file <file>/);
    expect(() => parsePreflightArgs(['--env-file', 'a', '--force'])).toThrow('Unknown argument "--force"');
  });

  it('reads only the file, reporting lines it cannot read', async () => {
    const { findings } = await preflight('NOT A SETTING\nSTRIPE_SECRET_KEY=sk_test_x\n', { online: false, local: false });
    expect(findings[0]).toEqual({ setting: 'env file', message: 'line 1: expected KEY=value: that line is not read.' });
    // This shell's environment does not fill in what the file lacks.
    expect(findings.some((f) => f.setting === 'SUPABASE_URL')).toBe(true);
  });
});
