// Parser for PostgREST's `select=` grammar (supabase-api.md §3.3): columns, aliases, casts, JSON paths and
// resource embeddings with hints, join types and nesting.
import { badQuery } from './errors.ts';

export interface JsonStep {
  arrow: '->' | '->>';
  key: string;
}

export interface FieldRef {
  name: string;
  path: JsonStep[];
}

export type SelectItem =
  | { kind: 'star' }
  | { kind: 'field'; alias: string | null; field: FieldRef; cast: string | null }
  | {
      kind: 'embed';
      alias: string | null;
      relation: string;
      hint: string | null;
      joinType: 'inner' | 'left' | null;
      spread: boolean;
      select: SelectItem[];
    };

// Casts end up in SQL text, so only plain type names are accepted (e.g. `text`, `double precision`, `int[]`).
const CAST_RE = /^[A-Za-z_][A-Za-z0-9_ ]*(\(\d+(,\d+)?\))?(\[\])*$/;

export function isSafeCast(type: string): boolean {
  return CAST_RE.test(type) && type.length <= 64;
}

/** A cursor over one parameter value, shared by the select, filter and order parsers. */
export class Cursor {
  readonly text: string;
  pos = 0;
  constructor(text: string) {
    this.text = text;
  }
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(n = 1): string {
    return this.text.slice(this.pos, this.pos + n);
  }
  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }
  eat(s: string): boolean {
    if (this.startsWith(s)) {
      this.pos += s.length;
      return true;
    }
    return false;
  }
  skipSpaces(): void {
    while (!this.done && /\s/.test(this.text[this.pos]!)) this.pos++;
  }
  fail(what: string): never {
    throw badQuery(
      `"failed to parse ${what}" (${this.text})`,
      `unexpected ${this.done ? 'end of input' : `"${this.text[this.pos]}"`} at position ${this.pos + 1}`
    );
  }
}

/** An identifier: double-quoted (with "" escapes) or a bare run of name characters. */
export function parseName(c: Cursor, what: string, stopChars = ',()!:."'): string {
  c.skipSpaces();
  if (c.eat('"')) {
    let out = '';
    while (!c.done) {
      const ch = c.text[c.pos]!;
      if (ch === '\\' && c.pos + 1 < c.text.length) {
        out += c.text[c.pos + 1];
        c.pos += 2;
        continue;
      }
      if (ch === '"') {
        if (c.text[c.pos + 1] === '"') {
          out += '"';
          c.pos += 2;
          continue;
        }
        c.pos++;
        if (out === '') c.fail(what);
        return out;
      }
      out += ch;
      c.pos++;
    }
    c.fail(what);
  }
  const start = c.pos;
  while (!c.done) {
    const ch = c.text[c.pos]!;
    if (stopChars.includes(ch)) break;
    if (ch === '-' && c.text[c.pos + 1] === '>') break;
    c.pos++;
  }
  const name = c.text.slice(start, c.pos).trim();
  if (name === '') c.fail(what);
  return name;
}

/** `col->a->>b`: a column followed by JSON steps. */
export function parseFieldRef(c: Cursor, what: string, stopChars?: string): FieldRef {
  const name = parseName(c, what, stopChars);
  const path: JsonStep[] = [];
  for (;;) {
    const arrow = c.eat('->>') ? '->>' : c.eat('->') ? '->' : null;
    if (!arrow) break;
    path.push({ arrow, key: parseName(c, what, stopChars ?? ',()!:."') });
  }
  for (let i = 0; i < path.length - 1; i++) {
    if (path[i]!.arrow === '->>') c.fail(what);
  }
  return { name, path };
}

function parseItem(c: Cursor, depth: number): SelectItem {
  c.skipSpaces();
  if (c.eat('*')) return { kind: 'star' };
  const spread = c.eat('...');
  let alias: string | null = null;
  let first = parseFieldRef(c, 'select');
  c.skipSpaces();
  if (c.startsWith(':') && !c.startsWith('::')) {
    if (first.path.length) c.fail('select');
    c.pos++;
    alias = first.name;
    first = parseFieldRef(c, 'select');
    c.skipSpaces();
  }
  if (c.startsWith('!') || c.startsWith('(')) {
    if (first.path.length) c.fail('select');
    let hint: string | null = null;
    let joinType: 'inner' | 'left' | null = null;
    while (c.eat('!')) {
      const word = parseName(c, 'select');
      if (word === 'inner' || word === 'left') joinType = word;
      else if (hint === null) hint = word;
      else c.fail('select');
    }
    c.skipSpaces();
    if (!c.eat('(')) c.fail('select');
    if (depth > 16) c.fail('select (embedding nested too deeply)');
    const select = c.peek() === ')' ? [] : parseList(c, depth + 1);
    c.skipSpaces();
    if (!c.eat(')')) c.fail('select');
    return { kind: 'embed', alias, relation: first.name, hint, joinType, spread, select };
  }
  if (spread) c.fail('select');
  let cast: string | null = null;
  if (c.eat('::')) {
    const start = c.pos;
    while (!c.done && !',()'.includes(c.text[c.pos]!)) c.pos++;
    // `varchar(10)` style casts carry their own parentheses.
    if (c.peek() === '(' && /^\(\d+(,\d+)?\)/.test(c.text.slice(c.pos))) {
      c.pos = c.text.indexOf(')', c.pos) + 1;
      while (c.peek(2) === '[]') c.pos += 2;
    }
    cast = c.text.slice(start, c.pos).trim();
    if (!isSafeCast(cast)) c.fail('select (unsupported cast)');
  }
  return { kind: 'field', alias, field: first, cast };
}

function parseList(c: Cursor, depth: number): SelectItem[] {
  const items: SelectItem[] = [parseItem(c, depth)];
  c.skipSpaces();
  while (c.eat(',')) {
    items.push(parseItem(c, depth));
    c.skipSpaces();
  }
  return items;
}

/** Parses a whole `select=` value; an absent or empty value means `*`. */
export function parseSelect(text: string | null): SelectItem[] {
  if (text === null || text.trim() === '') return [{ kind: 'star' }];
  const c = new Cursor(text);
  const items = parseList(c, 0);
  c.skipSpaces();
  if (!c.done) c.fail('select');
  return items;
}
