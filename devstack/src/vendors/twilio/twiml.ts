// The subset of TwiML the product returns: <Connect><Stream url> with <Parameter>s, <Say>, <Hangup/>.
export interface StreamInstruction {
  kind: 'stream';
  url: string;
  parameters: Record<string, string>;
}
export interface SayInstruction {
  kind: 'say';
  text: string;
}
export interface HangupInstruction {
  kind: 'hangup';
}
export type TwimlInstruction = StreamInstruction | SayInstruction | HangupInstruction;

function decodeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    out[m[1]!] = decodeXml(m[3] ?? m[4] ?? '');
  }
  return out;
}

/** Parses a TwiML document into the instructions the simulated carrier follows, in order. */
export function parseTwiml(xml: string): TwimlInstruction[] {
  if (!/<Response[\s>/]/.test(xml)) throw new Error('TwiML must have a <Response> root element');
  const out: TwimlInstruction[] = [];
  const re = /<Stream\b([^>]*?)(\/>|>([\s\S]*?)<\/Stream>)|<Say\b[^>]*>([\s\S]*?)<\/Say>|<Hangup\s*\/?>/g;
  for (const m of xml.matchAll(re)) {
    if (m[0].startsWith('<Stream')) {
      const a = attrs(m[1] ?? '');
      if (!a.url) throw new Error('<Stream> needs a url attribute');
      const parameters: Record<string, string> = {};
      for (const p of (m[3] ?? '').matchAll(/<Parameter\b([^>]*)\/?>/g)) {
        const pa = attrs(p[1] ?? '');
        if (pa.name !== undefined) parameters[pa.name] = pa.value ?? '';
      }
      out.push({ kind: 'stream', url: a.url, parameters });
    } else if (m[0].startsWith('<Say')) {
      out.push({ kind: 'say', text: decodeXml((m[4] ?? '').trim()) });
    } else {
      out.push({ kind: 'hangup' });
    }
  }
  return out;
}
