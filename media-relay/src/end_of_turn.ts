// End of the caller's turn: the recogniser says when the caller paused (Deepgram `speech_final`, or `UtteranceEnd`
// when noise kept endpointing from firing), and a semantic check decides whether that pause is the end. Words that
// leave a sentence hanging ("I wanted to ask about the", "yes and") mean the caller is still thinking: the turn is
// held a little longer, and if they go on speaking, what they add joins the same turn. Also keeps the words heard so
// far in the turn, which is what preemptive generation answers.

/** Last words after which a sentence is plainly unfinished: conjunctions, articles, prepositions, fillers. */
// Only words that practically never end a sentence: "hold on", "I'd love to" or "where are you from" are whole.
const HANGING = new Set([
  'and', 'but', 'or', 'because', 'if', 'although', 'the', 'a', 'an', 'my', 'your', 'our', 'their', 'its', 'of',
  'um', 'uh', 'erm', 'uhm', 'i', "i'm"
]);

export function looksUnfinished(text: string): boolean {
  const t = text.trim();
  if (t === '' || /[.?!]$/.test(t)) return false;
  if (/[,;:-]$/.test(t)) return true;
  const last = t.toLowerCase().replace(/[^\p{L}' ]+/gu, ' ').trim().split(/\s+/).at(-1) ?? '';
  return HANGING.has(last);
}

export interface EndOfTurnDeps {
  /** How long an unfinished-sounding turn waits for more words. */
  holdMs: number;
  /** The caller's turn is over: everything they said in it. */
  onTurnEnd: (text: string) => void;
}

export class EndOfTurn {
  /** Settled words of the turn that was held for being unfinished. */
  private held = '';
  /** Settled segments of the current utterance not yet ended by the recogniser. */
  private settled: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly d: EndOfTurnDeps;

  constructor(d: EndOfTurnDeps) {
    this.d = d;
  }

  /**
   * The words of the turn so far: a held part, then the utterance's `interim` words (the recogniser's latest
   * interim, which repeats the utterance's settled segments), or without one its settled segments.
   */
  soFar(interim?: string): string {
    return [this.held, ...(interim === undefined ? this.settled : [interim])].filter(Boolean).join(' ');
  }

  /** New interim words: a held turn is not over after all (its timer stops; the next end of turn ends it). */
  interim(text: string): void {
    if (text.trim() !== '' && this.timer) this.cancelTimer();
  }

  /** A settled segment; `endOfTurn` when the recogniser heard the caller pause. `text` holds the utterance's words. */
  final(text: string, endOfTurn: boolean): void {
    if (!endOfTurn) {
      if (text.trim()) this.settled.push(text.trim());
      this.interim(text);
      return;
    }
    this.settled = [];
    const all = [this.held, text.trim()].filter(Boolean).join(' ');
    this.cancelTimer();
    if (all === '') return;
    if (looksUnfinished(all)) {
      this.held = all;
      this.timer = setTimeout(() => this.release(), this.d.holdMs);
      return;
    }
    this.held = '';
    this.d.onTurnEnd(all);
  }

  /** Ends a held turn now (its wait ran out). */
  private release(): void {
    this.timer = null;
    const text = this.held;
    this.held = '';
    if (text) this.d.onTurnEnd(text);
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  stop(): void {
    this.cancelTimer();
  }
}
