// After a call: its conversation goes to the call's own LLM adapter (the same vendors, failover and keys as the
// turns) for a short summary and the facts worth keeping. It runs before the relay reports the media over, since
// settlement waits for that report and the summary's tokens are usage of the call; a hard time limit makes sure a
// slow or silent LLM costs the call its summary, never its settlement.
import { randomBytes } from 'node:crypto';
import { parseSummaryReply, summaryRequest, type CallSummary, type SummaryTurn } from '../../core/src/call_summary.ts';
import { estimatePromptTokens } from './failover_llm.ts';
import type { ChatMessage, LanguageModel, ProviderInfo } from './provider_contracts.ts';

/** The longest the relay waits for a summary before it lets the call settle without one. */
export const SUMMARY_TIMEOUT_MS = 10_000;

export interface SummaryUsage {
  provider: ProviderInfo;
  promptTokens: number;
  completionTokens: number;
}

export interface SummaryOutcome {
  summary: CallSummary | null;
  /** Tokens to bill, as the vendor reported them (or, for a request cut off by the time limit, as estimated). */
  usage: SummaryUsage[];
  result: 'summarised' | 'timed_out' | 'failed' | 'unreadable';
  error?: unknown;
}

/** The turns of a conversation as the LLM saw them (the persona's only as far as the caller heard them). */
export function conversationTurns(messages: readonly ChatMessage[]): SummaryTurn[] {
  return messages.flatMap((m): SummaryTurn[] =>
    m.role === 'user' ? [{ speaker: 'user', text: m.content }] : m.role === 'assistant' ? [{ speaker: 'persona', text: m.content }] : []);
}

export async function summariseCall(llm: LanguageModel, personaName: string, turns: readonly SummaryTurn[], timeoutMs = SUMMARY_TIMEOUT_MS): Promise<SummaryOutcome> {
  const messages = summaryRequest(personaName, turns, randomBytes(6).toString('hex'));
  const abort = new AbortController();
  const usage: SummaryUsage[] = [];
  let text = '';
  const read = (async () => {
    for await (const ev of llm.stream({ messages, signal: abort.signal })) {
      if (ev.type === 'text') text += ev.delta;
      else usage.push({ provider: ev.provider ?? llm.info, promptTokens: ev.promptTokens, completionTokens: ev.completionTokens });
    }
    return 'done' as const;
  })();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), timeoutMs)));
  let ended: 'done' | 'deadline';
  try {
    ended = await Promise.race([read, deadline]);
  } catch (error) {
    return { summary: null, usage, result: 'failed', error };
  } finally {
    clearTimeout(timer);
  }
  if (ended === 'deadline') {
    abort.abort();
    read.catch(() => undefined); // settles on its own once the adapter sees the abort
    // A request the vendor accepted is billed though its usage report (the stream's last chunk) never came: as the
    // failover does for an abandoned turn, it is recorded as estimated.
    if (usage.length === 0) usage.push({ provider: llm.info, promptTokens: estimatePromptTokens(messages), completionTokens: Math.ceil(text.length / 4) });
    return { summary: null, usage, result: 'timed_out' };
  }
  const summary = parseSummaryReply(text);
  return { summary, usage, result: summary ? 'summarised' : 'unreadable' };
}
