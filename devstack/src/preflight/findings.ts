// A preflight's results: each failure names the setting to fix and says what to do, on one line.

export interface Finding {
  setting: string;
  message: string;
}

export interface PreflightOptions {
  /** Loopback addresses, and http:// or ws:// on them, are accepted (a configuration of a local stack). */
  local: boolean;
}

/** A finding from a settings-schema sentence, which starts with the setting's name. */
export function fromSentence(sentence: string): Finding {
  const name = /^([A-Z][A-Z0-9_]*)\b/.exec(sentence)?.[1] ?? 'settings';
  return { setting: name, message: sentence };
}

export function formatFinding(f: Finding): string {
  return f.message.startsWith(f.setting) ? `✗ ${f.message}` : `✗ ${f.setting}: ${f.message}`;
}

/** The same sentence from two processes' schemas is one finding. */
export function distinct(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.setting}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
