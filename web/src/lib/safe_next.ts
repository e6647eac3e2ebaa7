// Where to send someone after a sign-in or a mail link: only a path on this site. Every `next`-style parameter goes
// through here. The value is judged as the browser will finally read it, not as it arrives: it is decoded until it
// stops changing (a doubly encoded "%255C" is a backslash two steps later), and both the value and its decoded form
// must be a plain path after dot segments are resolved. Browsers treat "\" like "/" and drop tabs and newlines, so
// "/\evil.example", "/%09/evil.example" and "/.//evil.example" (which resolves to "//evil.example") would all leave
// the site; so would anything with a scheme. Anything doubtful falls back to a page of our own.

const BASE = 'https://site.invalid';
const MAX_DECODES = 8;
// C0 and C1 controls (tab, newline, carriage return included), the Unicode line separators, and backslashes.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The value decoded until stable, or null when it is malformed or never settles. */
function decodeFully(value: string): string | null {
  let current = value;
  for (let i = 0; i < MAX_DECODES; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) return current;
    current = next;
  }
  return null;
}

/** A path on this site as written: one leading slash, nothing a browser would read as another host. */
function isPlainPath(value: string): boolean {
  return value.startsWith('/') && !value.startsWith('//') && !UNSAFE.test(value);
}

/** The path, query and hash the value resolves to on this site, or null when it leaves the site. */
function resolvedPath(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  const path = url.pathname + url.search + url.hash;
  return isPlainPath(path) ? path : null;
}

export function safeNext(next: string | null | undefined, fallback = '/personas'): string {
  if (!next) return fallback;
  const decoded = decodeFully(next);
  if (decoded === null || !isPlainPath(next) || !isPlainPath(decoded)) return fallback;
  // Dot segments are resolved on both forms: "/%2e%2e//evil.example" is "//evil.example" once decoded.
  if (resolvedPath(decoded) === null) return fallback;
  return resolvedPath(next) ?? fallback;
}
