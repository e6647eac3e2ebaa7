// Splits a streaming LLM reply into sentences for text-to-speech, emitting each one as soon as it is complete so
// the persona starts speaking before the reply is finished.
//
// A sentence ends at . ! ? … (with any run of them and closing quotes/brackets) followed by whitespace, or at a
// newline. A terminator at the very end of the text so far is not trusted yet: "3." may become "3.5" and "Dr"
// may be followed by a name, so the decision waits for the next character (or `flush`). Not sentence ends:
// a period after a known abbreviation (Dr., Mrs., etc.), after a dotted token (e.g., U.S., p.m.) or after a
// single capital initial (J. Smith), and a period inside a number or a name (3.5, example.com).
//
// Fragments shorter than `minLength` are held and merged with what follows ("Hi! I'm Brad." is one chunk),
// because TTS voices sound clipped on tiny fragments. Text that runs past `maxLength` without a sentence end is
// cut at a comma, semicolon, colon or dash, else at a space, so a run-on sentence does not delay speech.

export interface SentenceChunkerOptions {
  /** Shortest chunk emitted before `flush` (characters, after trimming). Default 10. */
  readonly minLength?: number;
  /** Longest chunk; longer text is cut at a soft break. Default 200. */
  readonly maxLength?: number;
}

const TERMINATORS = new Set(['.', '!', '?', '…']);
const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '»']);
const SOFT_BREAKS = new Set([',', ';', ':', '—', '–']);

// Lower-case, without the final period. Words that are also ordinary English words ("no", "mar", "sun") are left
// out on purpose: splitting "I said no. Then…" matters more than "No. 5".
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'mx', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'ft', 'vs', 'etc', 'approx', 'dept', 'inc', 'ltd',
  'corp', 'co', 'fig', 'al', 'gen', 'col', 'lt', 'sgt', 'capt', 'rev', 'hon', 'jan', 'feb', 'apr', 'aug', 'sept',
  'oct', 'nov', 'dec', 'tel', 'ext',
]);

const WORD_BEFORE_DOT = /(?:^|[^A-Za-z0-9])([A-Za-z][A-Za-z.]*)$/;

function isWhitespace(c: string | undefined): boolean {
  return c !== undefined && /\s/.test(c);
}

function isAbbreviation(text: string, dotIndex: number): boolean {
  const word = WORD_BEFORE_DOT.exec(text.slice(Math.max(0, dotIndex - 20), dotIndex))?.[1];
  if (word === undefined) return false;
  if (word.includes('.')) return true; // e.g, i.e, U.S, p.m
  if (word.length === 1 && word >= 'A' && word <= 'Z') return true; // an initial: J. Smith
  return ABBREVIATIONS.has(word.toLowerCase());
}

/** Index just past the first sentence end at or after `from`, or -1 if none is certain yet. */
function findSentenceEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') return i + 1;
    if (!TERMINATORS.has(c)) continue;
    let j = i + 1;
    while (j < text.length && TERMINATORS.has(text[j]!)) j++;
    const singlePeriod = c === '.' && j === i + 1;
    while (j < text.length && CLOSERS.has(text[j]!)) j++;
    if (j >= text.length) return -1;
    if (!isWhitespace(text[j]) || (singlePeriod && isAbbreviation(text, i))) {
      i = j - 1;
      continue;
    }
    return j;
  }
  return -1;
}

/** Where to cut text that is too long: after the last soft break, else at the last space, else hard. */
function findSoftCut(text: string, maxLength: number): number {
  let space = -1;
  for (let i = Math.min(maxLength, text.length - 1); i > 0; i--) {
    if (SOFT_BREAKS.has(text[i - 1]!) && isWhitespace(text[i])) return i;
    if (space === -1 && isWhitespace(text[i])) space = i;
  }
  return space > 0 ? space : maxLength;
}

function tidy(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export class SentenceChunker {
  readonly #minLength: number;
  readonly #maxLength: number;
  #buffer = '';
  /** Position up to which the buffer is known to hold no emit-worthy sentence end. */
  #scanFrom = 0;

  constructor(options: SentenceChunkerOptions = {}) {
    this.#minLength = options.minLength ?? 10;
    this.#maxLength = options.maxLength ?? 200;
    if (!(this.#minLength >= 0) || !(this.#maxLength > this.#minLength)) {
      throw new RangeError('SentenceChunker needs 0 <= minLength < maxLength.');
    }
  }

  /** Adds streamed text; returns the sentences it completed (possibly none). */
  push(text: string): string[] {
    this.#buffer += text;
    const out: string[] = [];
    for (;;) {
      const end = findSentenceEnd(this.#buffer, this.#scanFrom);
      if (end === -1) break;
      const sentence = tidy(this.#buffer.slice(0, end));
      if (sentence === '') {
        this.#take(end);
      } else if (sentence.length >= this.#minLength) {
        out.push(sentence);
        this.#take(end);
      } else {
        this.#scanFrom = end; // too short: keep it and merge with the next sentence
      }
    }
    while (this.#buffer.length > this.#maxLength) {
      const cut = findSoftCut(this.#buffer, this.#maxLength);
      const piece = tidy(this.#buffer.slice(0, cut));
      if (piece !== '') out.push(piece);
      this.#take(cut);
    }
    return out;
  }

  /** Ends the stream: returns whatever is left, however short. */
  flush(): string[] {
    const rest = tidy(this.#buffer);
    this.reset();
    return rest === '' ? [] : [rest];
  }

  /** Discards buffered text (the listener interrupted; the rest of the reply will not be spoken). */
  reset(): void {
    this.#buffer = '';
    this.#scanFrom = 0;
  }

  #take(end: number): void {
    this.#buffer = this.#buffer.slice(end);
    this.#scanFrom = 0;
  }
}

/** Splits a complete text the same way the streaming chunker would. */
export function splitSentences(text: string, options?: SentenceChunkerOptions): string[] {
  const chunker = new SentenceChunker(options);
  return [...chunker.push(text), ...chunker.flush()];
}
