import { describe, expect, it } from 'vitest';
import { AuthError } from './errors.ts';
import { checkPassword, isUuid, normaliseEmail, normalisePhone, optionalObject, parseBanDuration } from './validation.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof AuthError ? `${err.status} ${err.code}` : 'other';
  }
  return undefined;
}

describe('input validation', () => {
  it('lower-cases and trims e-mail addresses', () => {
    expect(normaliseEmail('  Ada@Example.TEST ')).toBe('ada@example.test');
  });

  it('rejects malformed or non-string e-mail addresses with validation_failed', () => {
    for (const bad of ['no-at-sign', 'a@', '@b.com', 'a b@c.com', 42, null, `${'a'.repeat(250)}@b.com`]) {
      expect(codeOf(() => normaliseEmail(bad))).toBe('400 validation_failed');
    }
  });

  it('applies the minimum length as weak_password and refuses more than 72 bytes', () => {
    expect(checkPassword('secret', 6)).toBe('secret');
    expect(codeOf(() => checkPassword('short', 6))).toBe('422 weak_password');
    expect(codeOf(() => checkPassword('x'.repeat(73), 6))).toBe('400 validation_failed');
    expect(codeOf(() => checkPassword(123456, 6))).toBe('400 validation_failed');
  });

  it('normalises phone numbers to digits without the plus sign', () => {
    expect(normalisePhone('+1 (415) 555-0123')).toBe('14155550123');
    expect(codeOf(() => normalisePhone('+0123'))).toBe('400 validation_failed');
  });

  it('recognises UUIDs and JSON objects', () => {
    expect(isUuid('123e4567-e89b-12d3-a456-426614174000')).toBe(true);
    expect(isUuid('123e4567')).toBe(false);
    expect(optionalObject({ data: { a: 1 } }, 'data')).toEqual({ a: 1 });
    expect(optionalObject({ data: null }, 'data')).toBeUndefined();
    expect(codeOf(() => optionalObject({ data: [1] }, 'data'))).toBe('400 validation_failed');
  });

  it('parses Go-style ban durations', () => {
    expect(parseBanDuration('24h')).toBe(86_400_000);
    expect(parseBanDuration('1h30m')).toBe(5_400_000);
    expect(parseBanDuration('1.5s')).toBe(1500);
    expect(parseBanDuration('none')).toBe('none');
    expect(codeOf(() => parseBanDuration('1 day'))).toBe('400 validation_failed');
    expect(codeOf(() => parseBanDuration('10'))).toBe('400 validation_failed');
  });
});
