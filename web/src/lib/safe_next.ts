// Where to send someone after a sign-in or a mail link: only a path on this site. Browsers treat "\" like "/" and
// drop tabs and newlines, so "/\evil.example" or "/%09/evil.example" would leave the site; those are refused after
// decoding, as are absolute URLs.
export function safeNext(next: string | null | undefined, fallback = '/personas'): string {
  if (!next) return fallback;
  let decoded = next;
  try {
    for (let i = 0; i < 3 && decoded !== decodeURIComponent(decoded); i++) decoded = decodeURIComponent(decoded);
  } catch {
    return fallback;
  }
  if (!decoded.startsWith('/') || decoded.startsWith('//')) return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(decoded)) return fallback;
  const url = new URL(next, 'https://site.invalid');
  if (url.origin !== 'https://site.invalid') return fallback;
  return url.pathname + url.search + url.hash;
}
