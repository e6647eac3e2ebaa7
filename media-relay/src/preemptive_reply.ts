// Preemptive generation: the LLM starts answering what the caller has said so far, before the recogniser ends the
// turn, so its time to first token runs during the end-of-turn wait instead of after it. The reply is only read
// into memory; nothing is synthesised or spoken. At the end of the turn it is adopted when the final transcript is
// the same words and the conversation has not changed meanwhile; otherwise it is discarded (aborted) and the turn is
// answered afresh. A discarded reply still cost tokens: they are counted and reported as usage (the database prices them).
import { estimatePromptTokens } from './failover_llm.ts';
import type { ChatMessage, LanguageModel, LlmEvent } from './provider_contracts.ts';

/** Transcripts compared as words: case, punctuation and spacing do not make them different. */
export function sameWords(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}' ]+/gu, ' ').replace(/\s+/g, ' ').trim();
  return norm(a) === norm(b);
}

export interface DiscardedTokens {
  promptTokens: number;
  completionTokens: number;
  /** True when the vendor reported them (the reply had finished); else estimated from the text. */
  reported: boolean;
}

export class PreemptiveReply {
  readonly callerText: string;
  /** The conversation's version the reply was started on. */
  readonly conversationVersion: number;
  /** Call time of the first text token, null until it comes. */
  firstTokenAtMs: number | null = null;

  private readonly abort = new AbortController();
  private readonly events: LlmEvent[] = [];
  private readonly messages: readonly ChatMessage[];
  private done = false;
  private failure: unknown = null;
  private wake: (() => void) | null = null;
  private textChars = 0;
  private reported: { promptTokens: number; completionTokens: number } | null = null;
  private adopted = false;

  constructor(llm: LanguageModel, messages: readonly ChatMessage[], callerText: string, conversationVersion: number, elapsed: () => number) {
    this.messages = messages;
    this.callerText = callerText;
    this.conversationVersion = conversationVersion;
    void (async () => {
      try {
        for await (const ev of llm.stream({ messages, signal: this.abort.signal })) {
          if (ev.type === 'text') {
            this.firstTokenAtMs ??= elapsed();
            this.textChars += ev.delta.length;
          } else this.reported = { promptTokens: (this.reported?.promptTokens ?? 0) + ev.promptTokens, completionTokens: (this.reported?.completionTokens ?? 0) + ev.completionTokens };
          this.events.push(ev);
          this.wake?.();
        }
      } catch (err) {
        this.failure = err;
      } finally {
        this.done = true;
        this.wake?.();
      }
    })();
  }

  /** Whether this reply answers `callerText` on the conversation at `version`. */
  answers(callerText: string, version: number): boolean {
    return version === this.conversationVersion && sameWords(callerText, this.callerText) && this.failure === null;
  }

  /**
   * The reply as a stream for the turn that adopts it: what has arrived, then the rest as it comes. Aborting
   * `signal` aborts the request. Throws what the request threw.
   */
  async *adopt(signal: AbortSignal): AsyncIterable<LlmEvent> {
    this.adopted = true;
    const stop = () => this.abort.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for (let i = 0; ; ) {
        while (i < this.events.length) {
          if (signal.aborted) return;
          yield this.events[i++]!;
        }
        if (this.failure !== null) throw this.failure;
        if (this.done || signal.aborted) return;
        await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
      }
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  /** Stops the request; the tokens it cost (reported when it had finished, else estimated). Never after adopt. */
  discard(): DiscardedTokens {
    if (this.adopted) throw new Error('an adopted reply cannot be discarded');
    this.abort.abort();
    if (this.reported) return { ...this.reported, reported: true };
    // Vendors bill an aborted stream's prompt and what it generated; about four characters a token.
    return { promptTokens: estimatePromptTokens(this.messages), completionTokens: Math.ceil(this.textChars / 4), reported: false };
  }
}
