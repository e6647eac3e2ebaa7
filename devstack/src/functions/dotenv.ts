// Reads the functions' secrets file (`KEY=value` lines, as `supabase functions serve --env-file` accepts).

export interface DotenvResult {
  values: Record<string, string>;
  /** One sentence per line that could not be read; those lines are skipped. */
  problems: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseDotenv(text: string): DotenvResult {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trim();
    const eq = line.indexOf('=');
    if (eq <= 0) {
      problems.push(`line ${i + 1}: expected KEY=value`);
      continue;
    }
    const name = line.slice(0, eq).trim();
    if (!NAME.test(name)) {
      problems.push(`line ${i + 1}: "${name}" is not a valid variable name`);
      continue;
    }
    let raw = line.slice(eq + 1).trim();
    let value: string;
    const quote = raw[0];
    if (quote === '"' || quote === "'") {
      const end = raw.indexOf(quote, 1);
      if (end < 0) {
        problems.push(`line ${i + 1}: the value of ${name} has no closing ${quote}`);
        continue;
      }
      value = raw.slice(1, end);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r').replace(/\\t/g, '\t');
    } else {
      const hash = raw.search(/\s#/);
      if (hash >= 0) raw = raw.slice(0, hash).trim();
      value = raw;
    }
    values[name] = value;
  }
  return { values, problems };
}
