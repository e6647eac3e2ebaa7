// A sentence from the server may carry an address (a checkout link, a help page). It is shown as a real link, and
// the rest stays plain text: nothing in the sentence is ever rendered as HTML.

export type LinkPart = { text: string } | { text: string; href: string };

// http(s) addresses up to whitespace; a closing sentence mark or bracket is not part of the address.
const URL_RE = /https?:\/\/[^\s<>"']+/g;
const TRAILING = /[.,;:!?)\]]+$/;

export function linkParts(sentence: string): LinkPart[] {
  const parts: LinkPart[] = [];
  let at = 0;
  for (const m of sentence.matchAll(URL_RE)) {
    const href = m[0].replace(TRAILING, '');
    if (m.index > at) parts.push({ text: sentence.slice(at, m.index) });
    parts.push({ text: href, href });
    at = m.index + href.length;
  }
  if (at < sentence.length) parts.push({ text: sentence.slice(at) });
  return parts;
}
