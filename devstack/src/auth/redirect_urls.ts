// Where Auth may send a user after an e-mail link (GoTrue's IsRedirectURLValid): anywhere on the Site URL's host,
// or a URL matching the allow-list, whose globs are GoTrue's (gobwas/glob with `.` and `/` as separators): `*` stops
// at a separator, `**` does not, `?` is one non-separator character. Anything else falls back to the Site URL.

export interface RedirectSettings {
  siteUrl: string;
  allowList: readonly string[];
}

function escape(ch: string): string {
  return /[\\^$.*+?()[\]{}|]/.test(ch) ? `\\${ch}` : ch;
}

export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i++;
    } else if (ch === '*') out += '[^./]*';
    else if (ch === '?') out += '[^./]';
    else out += escape(ch);
  }
  return new RegExp(`^${out}$`);
}

function hostnameOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

export function isRedirectAllowed(redirectTo: string, settings: RedirectSettings): boolean {
  if (redirectTo === '') return false;
  const host = hostnameOf(redirectTo);
  if (host !== null && host === hostnameOf(settings.siteUrl)) return true;
  return settings.allowList.some((p) => globToRegExp(p).test(redirectTo));
}

/** The redirect a request asked for when it is allowed, else the Site URL. */
export function chooseRedirect(requested: string | null | undefined, settings: RedirectSettings): string {
  return requested && isRedirectAllowed(requested, settings) ? requested : settings.siteUrl;
}
