import { describe, expect, it } from 'vitest';
import { AuthError } from './errors.ts';
import { parseLogoutScope } from './logout.ts';

describe('logout scope', () => {
  it('defaults to global and accepts local and others', () => {
    expect(parseLogoutScope(null)).toBe('global');
    expect(parseLogoutScope('')).toBe('global');
    expect(parseLogoutScope('local')).toBe('local');
    expect(parseLogoutScope('others')).toBe('others');
  });

  it('refuses anything else with validation_failed', () => {
    expect(() => parseLogoutScope('everyone')).toThrow(AuthError);
  });
});
