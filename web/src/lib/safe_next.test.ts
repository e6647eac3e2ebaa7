import { describe, expect, it } from 'vitest';
import { safeNext } from './safe_next';

describe('safeNext', () => {
  it('keeps a path on this site with its query', () => {
    expect(safeNext('/calls?page=2')).toBe('/calls?page=2');
    expect(safeNext('/onboarding', '/x')).toBe('/onboarding');
  });
  it.each([
    'https://evil.example/phish',
    '//evil.example/phish',
    '/\\evil.example/phish',
    '/%5Cevil.example/phish',
    '/%09/evil.example',
    '/\t/evil.example',
    '%2F%2Fevil.example',
    '/%252F%252Fevil.example',
    'javascript:alert(1)',
    '/%E0%A4%A'
  ])('refuses %s', (next) => {
    expect(safeNext(next)).toBe('/personas');
  });
  it('uses the fallback when nothing is given', () => {
    expect(safeNext(null, '/onboarding')).toBe('/onboarding');
    expect(safeNext('', '/onboarding')).toBe('/onboarding');
  });
});
