// Two LLM vendors behind one LanguageModel. A turn goes to the primary; if it fails before its first word, or has
// not produced one by the deadline, the same turn is asked of the fallback. Whatever the primary sends after that
// is never read, so nothing is spoken twice. Once the primary has spoken, a later failure is not failed over
// (that would repeat the start of the answer): it ends the turn as any LLM failure does.
import type { Log } from '../../core/src/log_line.ts';
import { ProviderError, type ChatMessage, type LanguageModel, type LlmEvent, type ProviderInfo } from './provider_contracts.ts';

export interface FailoverOptions {
  /** The primary's time to first word; past it the turn goes to the fallback. */
  firstTokenTimeoutMs: number;
  log?: Log;
  /** The primary failed a turn the fallback then took: the call never sees that failure, the operator should. */
  onPrimaryFailed?: (primary: ProviderInfo, err: unknown) => void;
}

/** Prompt tokens as the vendors' tokenizers roughly count English (about four characters a token). */
export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  return Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / 4);
}

export function withFailover(primary: LanguageModel, fallback: LanguageModel, opts: FailoverOptions): LanguageModel {
  return {
    info: primary.info,
    prewarm() {
      primary.prewarm?.();
      fallback.prewarm?.();
    },
    async *stream({ messages, signal }): AsyncIterable<LlmEvent> {
      const primaryAbort = new AbortController();
      const stopPrimary = () => primaryAbort.abort();
      signal.addEventListener('abort', stopPrimary, { once: true });
      const it = primary.stream({ messages, signal: primaryAbort.signal })[Symbol.asyncIterator]();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), opts.firstTokenTimeoutMs)));
      const early: LlmEvent[] = [];
      let failure: unknown = null;
      let timedOut = false;
      let finished = false;
      try {
        for (;;) {
          const next = it.next();
          const r = await Promise.race([next, deadline]);
          if (r === 'deadline') {
            next.catch(() => undefined); // the abandoned read settles on its own once the primary is aborted
            timedOut = true;
            failure = new ProviderError(`${primary.info.service} produced no words within ${opts.firstTokenTimeoutMs} ms`, { service: primary.info.service, retryable: true });
            break;
          }
          if (r.done) {
            finished = true;
            break;
          }
          early.push(r.value);
          if (r.value.type === 'text') break;
        }
      } catch (err) {
        failure = err;
      } finally {
        clearTimeout(timer);
      }

      if (failure === null || signal.aborted) {
        try {
          for (const ev of early) yield ev.type === 'usage' ? { ...ev, provider: primary.info } : ev;
          while (!finished && !signal.aborted) {
            const r = await it.next();
            if (r.done) break;
            yield r.value.type === 'usage' ? { ...r.value, provider: primary.info } : r.value;
          }
        } finally {
          signal.removeEventListener('abort', stopPrimary);
          primaryAbort.abort();
        }
        return;
      }

      signal.removeEventListener('abort', stopPrimary);
      primaryAbort.abort();
      opts.onPrimaryFailed?.(primary.info, failure);
      opts.log?.('relay.llm_failover', { level: 'warn', from: `${primary.info.service}/${primary.info.model}`, to: `${fallback.info.service}/${fallback.info.model}`, err: failure as Error });
      // A request the primary accepted and was still working on is billed for its prompt, though its usage report
      // (in the stream's last chunk) never comes: it is recorded as estimated. A refused request (an HTTP error) is not billed.
      if (timedOut) yield { type: 'usage', promptTokens: estimatePromptTokens(messages), completionTokens: 0, provider: primary.info };
      for await (const ev of fallback.stream({ messages, signal })) {
        yield ev.type === 'usage' ? { ...ev, provider: fallback.info } : ev;
      }
    }
  };
}
