// A reader for the TOML subset that `supabase/config.toml` uses: tables, dotted keys, basic and literal strings,
// integers, floats, booleans, arrays and inline tables. Anything else is refused with the line it is on, so an
// unsupported construct never silently changes what a function is served with.

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export class TomlError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`TOML line ${line}: ${message}`);
    this.line = line;
  }
}

const BARE_KEY = /[A-Za-z0-9_-]/;

function isTable(v: TomlValue | undefined): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Reader {
  pos = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  get line(): number {
    let n = 1;
    for (let i = 0; i < this.pos && i < this.text.length; i++) if (this.text[i] === '\n') n++;
    return n;
  }

  fail(message: string): never {
    throw new TomlError(message, this.line);
  }

  peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** Skips spaces and tabs (not newlines). */
  skipInline(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  skipComment(): void {
    if (this.peek() === '#') while (!this.atEnd() && this.peek() !== '\n') this.pos++;
  }

  /** Skips whitespace, newlines and comments (inside arrays and between statements). */
  skipAll(): void {
    for (;;) {
      this.skipInline();
      this.skipComment();
      if (this.peek() === '\n' || this.peek() === '\r') this.pos++;
      else return;
    }
  }

  /** After a statement only a comment may follow on the same line. */
  endOfLine(): void {
    this.skipInline();
    this.skipComment();
    if (this.peek() === '\r') this.pos++;
    if (this.atEnd()) return;
    if (this.peek() !== '\n') this.fail(`unexpected "${this.peek()}" after value`);
    this.pos++;
  }

  key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipInline();
      const c = this.peek();
      if (c === '"') parts.push(this.basicString());
      else if (c === "'") parts.push(this.literalString());
      else {
        const start = this.pos;
        while (BARE_KEY.test(this.peek())) this.pos++;
        if (this.pos === start) this.fail(c ? `unexpected "${c}" where a key was expected` : 'a key was expected');
        parts.push(this.text.slice(start, this.pos));
      }
      this.skipInline();
      if (this.peek() !== '.') return parts;
      this.pos++;
    }
  }

  basicString(): string {
    if (this.text.startsWith('"""', this.pos)) this.fail('multi-line strings are not supported');
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === '' || c === '\n') this.fail('unterminated string');
      this.pos++;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.peek();
      this.pos++;
      const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
      if (e in simple) out += simple[e];
      else if (e === 'u' || e === 'U') {
        const len = e === 'u' ? 4 : 8;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!new RegExp(`^[0-9A-Fa-f]{${len}}$`).test(hex)) this.fail(`invalid \\${e} escape`);
        out += String.fromCodePoint(parseInt(hex, 16));
        this.pos += len;
      } else this.fail(`invalid escape "\\${e}"`);
    }
  }

  literalString(): string {
    if (this.text.startsWith("'''", this.pos)) this.fail('multi-line strings are not supported');
    this.pos++;
    const end = this.text.indexOf("'", this.pos);
    const nl = this.text.indexOf('\n', this.pos);
    if (end < 0 || (nl >= 0 && nl < end)) this.fail('unterminated string');
    const s = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return s;
  }

  value(): TomlValue {
    this.skipInline();
    const c = this.peek();
    if (c === '"') return this.basicString();
    if (c === "'") return this.literalString();
    if (c === '[') return this.array();
    if (c === '{') return this.inlineTable();
    const m = /^[^\s,\]}#]+/.exec(this.text.slice(this.pos));
    if (!m) this.fail(c ? `unexpected "${c}" where a value was expected` : 'a value was expected');
    const word = m[0];
    this.pos += word.length;
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (/^[+-]?(0|[1-9](_?\d)*)$/.test(word)) return Number(word.replace(/_/g, ''));
    if (/^0x[0-9A-Fa-f](_?[0-9A-Fa-f])*$/.test(word)) return parseInt(word.slice(2).replace(/_/g, ''), 16);
    if (/^[+-]?(0|[1-9](_?\d)*)(\.\d(_?\d)*)?([eE][+-]?\d(_?\d)*)?$/.test(word)) return Number(word.replace(/_/g, ''));
    if (/^[+-]?(inf|nan)$/.test(word)) return word.endsWith('inf') ? (word.startsWith('-') ? -Infinity : Infinity) : NaN;
    if (/^\d{4}-\d{2}-\d{2}/.test(word)) this.fail('dates and times are not supported');
    return this.fail(`"${word}" is not a valid value (strings need quotes)`);
  }

  array(): TomlValue[] {
    this.pos++;
    const out: TomlValue[] = [];
    for (;;) {
      this.skipAll();
      if (this.peek() === ']') {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.skipAll();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== ']') this.fail('expected "," or "]" in array');
    }
  }

  inlineTable(): TomlTable {
    this.pos++;
    const out: TomlTable = {};
    this.skipInline();
    if (this.peek() === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      const path = this.key();
      if (this.peek() !== '=') this.fail('expected "=" after key');
      this.pos++;
      assign(out, path, this.value(), this);
      this.skipInline();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      if (this.peek() === '}') {
        this.pos++;
        return out;
      }
      this.fail('expected "," or "}" in inline table');
    }
  }
}

function descend(root: TomlTable, path: string[], r: Reader): TomlTable {
  let t = root;
  for (const part of path) {
    const next = t[part];
    if (next === undefined) t = t[part] = {};
    else if (isTable(next)) t = next;
    else r.fail(`"${path.join('.')}" is already a value, not a table`);
  }
  return t;
}

function assign(table: TomlTable, path: string[], value: TomlValue, r: Reader): void {
  const parent = descend(table, path.slice(0, -1), r);
  const last = path[path.length - 1]!;
  if (last in parent) r.fail(`duplicate key "${path.join('.')}"`);
  parent[last] = value;
}

export function parseToml(text: string): TomlTable {
  const root: TomlTable = {};
  const seenHeaders = new Set<string>();
  let current = root;
  const r = new Reader(text.replace(/^\uFEFF/, ''));
  for (;;) {
    r.skipAll();
    if (r.atEnd()) return root;
    if (r.peek() === '[') {
      if (r.peek(1) === '[') r.fail('arrays of tables ([[...]]) are not supported');
      r.pos++;
      const path = r.key();
      if (r.peek() !== ']') r.fail('expected "]" to close the table header');
      r.pos++;
      const name = JSON.stringify(path);
      if (seenHeaders.has(name)) r.fail(`table [${path.join('.')}] is defined twice`);
      seenHeaders.add(name);
      current = descend(root, path, r);
      r.endOfLine();
      continue;
    }
    const path = r.key();
    if (r.peek() !== '=') r.fail('expected "=" after key');
    r.pos++;
    assign(current, path, r.value(), r);
    r.endOfLine();
  }
}
