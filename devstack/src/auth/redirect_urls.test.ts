import { describe, expect, it } from 'vitest';
import { chooseRedirect, globToRegExp, isRedirectAllowed } from './redirect_urls.ts';

const settings = { siteUrl: 'https://app.example.com', allowList: ['https://*.preview.example.net/**', 'http://localhost:300?/auth'] };

describe('redirect allow-list', () => {
  it('allows anything on the Site URL host', () => {
    expect(isRedirectAllowed('https://app.example.com/welcome?x=1', settings)).toBe(true);
  });

  it('matches globs as GoTrue does: * stops at . and /, ** does not, ? is one character', () => {
    expect(isRedirectAllowed('https://pr-1.preview.example.net/a/b', settings)).toBe(true);
    expect(isRedirectAllowed('https://a.b.preview.example.net/a', settings)).toBe(false);
    expect(isRedirectAllowed('http://localhost:3001/auth', settings)).toBe(true);
    expect(isRedirectAllowed('http://localhost:30011/auth', settings)).toBe(false);
    expect(globToRegExp('https://x.test/*').test('https://x.test/a/b')).toBe(false);
  });

  it('falls back to the Site URL for anything else', () => {
    expect(chooseRedirect('https://evil.example/steal', settings)).toBe('https://app.example.com');
    expect(chooseRedirect(null, settings)).toBe('https://app.example.com');
    expect(chooseRedirect('https://app.example.com/x', settings)).toBe('https://app.example.com/x');
  });
});
