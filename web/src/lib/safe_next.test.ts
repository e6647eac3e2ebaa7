import { describe, expect, it } from 'vitest';
import { safeNext } from './safe_next';

// What an attacker puts after "?next=" as the page receives it (URLSearchParams has already decoded it once).
const ATTACKS = [
  // absolute and scheme-relative
  'https://evil.example/phish',
  'HTTPS://evil.example',
  'https:evil.example',
  'https:/evil.example',
  '//evil.example/phish',
  '///evil.example',
  'evil.example/phish',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  // backslashes, which browsers read as slashes
  '/\\evil.example/phish',
  '\\\\evil.example',
  '/\\/evil.example',
  '/%5Cevil.example/phish',
  '/%5cevil.example/phish',
  '%5C%5Cevil.example',
  '/%255Cevil.example/phish',
  '/%25255Cevil.example',
  // tabs, newlines and other controls, which browsers drop
  '/\t/evil.example',
  '/%09/evil.example',
  '/%0a/evil.example',
  '/%0D%0A/evil.example',
  '/\n/evil.example',
  '/%00/evil.example',
  '/\u2028/evil.example',
  // encoded slashes
  '%2F%2Fevil.example',
  '/%2F/evil.example',
  '/%2Fevil.example',
  '/%252F%252Fevil.example',
  '%252F%252Fevil.example',
  // dot segments that resolve to "//"
  '/.//evil.example/phish',
  '/a/..//evil.example',
  '/%2E//evil.example',
  '/%2e%2e//evil.example',
  '/.%2F/evil.example',
  '/x/%2E%2E/%2Fevil.example',
  // mixed encodings
  '/%5C%2Fevil.example',
  '/%2F%5Cevil.example',
  '/%09%5C/evil.example',
  // malformed, or encoded more times than anyone would
  '/%E0%A4%A',
  '/%',
  `/${'%25'.repeat(12)}5Cevil.example`
];

describe('safeNext', () => {
  it('keeps a path on this site with its query and hash', () => {
    expect(safeNext('/calls?page=2')).toBe('/calls?page=2');
    expect(safeNext('/onboarding', '/x')).toBe('/onboarding');
    expect(safeNext('/calls/0b7e?status=ended#transcript')).toBe('/calls/0b7e?status=ended#transcript');
    expect(safeNext('/schedule?note=a%20b')).toBe('/schedule?note=a%20b');
    expect(safeNext('/account/../billing')).toBe('/billing');
  });
  it.each(ATTACKS)('refuses %j', (next) => {
    expect(safeNext(next)).toBe('/personas');
  });
  it('never answers anything a browser would take off-site', () => {
    for (const next of ATTACKS) {
      const out = safeNext(next);
      expect(new URL(out, 'https://app.example').origin).toBe('https://app.example');
      expect(out).toMatch(/^\/(?![/\\])/);
    }
  });
  it('uses the fallback when nothing is given', () => {
    expect(safeNext(null, '/onboarding')).toBe('/onboarding');
    expect(safeNext('', '/onboarding')).toBe('/onboarding');
    expect(safeNext(undefined)).toBe('/personas');
  });
});
