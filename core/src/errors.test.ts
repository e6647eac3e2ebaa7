import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, ERROR_CODES, appError, fail, isAppError, isErrorCode, ok } from './errors.ts';

describe('error catalogue', () => {
  it('has snake_case codes, an HTTP status and a full sentence for each', () => {
    expect(ERROR_CODES.length).toBeGreaterThan(10);
    for (const code of ERROR_CODES) {
      const entry = ERROR_CATALOGUE[code];
      expect(code).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.status).toBeLessThan(600);
      expect(entry.message).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('contains the codes the product relies on', () => {
    for (const code of [
      'phone_invalid', 'phone_country_not_allowed', 'phone_type_not_allowed', 'budget_exceeded_per_call',
      'budget_exceeded_monthly', 'insufficient_credits', 'persona_not_found', 'number_not_verified', 'rate_limited',
      'session_revoked', 'invalid_input',
    ]) {
      expect(isErrorCode(code)).toBe(true);
    }
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('no_such_code')).toBe(false);
  });
});

describe('appError', () => {
  it('uses the catalogue sentence and status by default', () => {
    expect(appError('rate_limited')).toEqual({
      code: 'rate_limited',
      message: ERROR_CATALOGUE.rate_limited.message,
      status: 429,
    });
  });

  it('lets a more specific sentence replace the default', () => {
    const e = appError('invalid_input', 'Name must be 80 characters or fewer.');
    expect(e.message).toBe('Name must be 80 characters or fewer.');
    expect(e.status).toBe(400);
  });
});

describe('isAppError', () => {
  it('recognises the shape and rejects others', () => {
    expect(isAppError(appError('forbidden'))).toBe(true);
    expect(isAppError({ code: 'x', message: 'y' })).toBe(true);
    expect(isAppError({ code: 'x' })).toBe(false);
    expect(isAppError({ code: 'x', message: 'y', status: '400' })).toBe(false);
    expect(isAppError(null)).toBe(false);
    expect(isAppError('phone_invalid')).toBe(false);
  });
});

describe('Result helpers', () => {
  it('tags success and failure', () => {
    const good = ok(3);
    const bad = fail(appError('conflict'));
    expect(good).toEqual({ ok: true, value: 3 });
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('conflict');
  });
});
