// The post-call summary: asked of the call's own LLM, billed as usage of the call before the media is reported over
// (what settlement waits for), bounded in time, and skipped when there is nothing to summarise or memory is off.
import { describe, expect, it } from 'vitest';
import { isSummaryRequest, type CallSummary } from '../../core/src/call_summary.ts';
import { summariseCall } from './call_summariser.ts';
import { CallSession } from './call_session.ts';
import { InMemoryCallStore, type CallContext, type RunningCharge, type UsageReport } from './call_store.ts';
import { RelayMetrics } from './metrics.ts';
import { ProviderError, type ChatMessage, type LanguageModel, type LlmEvent, type SttEvent } from './provider_contracts.ts';
import type { EndReason } from './turn_taking.ts';

const SUMMARY_REPLY = 'SUMMARY: They talked about family.\nFACT: sister: Ana';

/** An LLM that greets on a call turn and answers a summary request with `onSummary`. */
function scriptedLlm(onSummary: (signal: AbortSignal) => AsyncIterable<LlmEvent>, requests: ChatMessage[][] = []): LanguageModel {
  return {
    info: { service: 'cerebras', model: 'gpt-oss-120b' },
    stream: ({ messages, signal }) => {
      requests.push([...messages]);
      if (isSummaryRequest(messages)) return onSummary(signal);
      return (async function* () {
        yield { type: 'text' as const, delta: 'Hi, it is Brad. How are you?' };
        yield { type: 'usage' as const, promptTokens: 30, completionTokens: 8 };
      })();
    }
  };
}

const answering = (text: string, promptTokens = 120, completionTokens = 15) => async function* (): AsyncIterable<LlmEvent> {
  yield { type: 'text', delta: text };
  yield { type: 'usage', promptTokens, completionTokens };
};
/** Accepts the request and never answers until aborted. */
const stalling = (signal: AbortSignal) => (async function* (): AsyncIterable<LlmEvent> {
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
})();

/** Records the order in which the store was written to. */
class OrderedStore extends InMemoryCallStore {
  readonly order: string[] = [];
  override async recordUsage(callId: string, reports: readonly UsageReport[], lineSeconds: number): Promise<RunningCharge> {
    if (reports.length) this.order.push(`usage:${reports.map((r) => r.usage).join(',')}`);
    return super.recordUsage(callId, reports, lineSeconds);
  }
  override async saveCallSummary(callId: string, summary: CallSummary): Promise<string> {
    this.order.push('summary');
    return super.saveCallSummary(callId, summary);
  }
  override async finishCall(callId: string, reason: EndReason, seconds: number): Promise<void> {
    this.order.push('finish');
    return super.finishCall(callId, reason, seconds);
  }
}

/** A softphone call with Brad: the greeting plays, the caller says `callerSays` (if anything) and hangs up. */
async function callThatEnds(opts: { llm: LanguageModel; memoryEnabled?: boolean; callerSays?: string; summaryTimeoutMs?: number }) {
  const store = new OrderedStore();
  let hear: (e: SttEvent) => void = () => undefined;
  const call: CallContext = { callId: 'c-mem', personaName: 'Brad', systemPrompt: 'You are Brad.', voiceId: 'v', maxDurationSeconds: 600, cutoffCents: null, warnCents: null, memoryEnabled: opts.memoryEnabled ?? true };
  let session: CallSession | null = null;
  session = new CallSession({
    callSid: 'CAmem', streamSid: 'MZmem', call, transport: 'softphone', store, llmMaxRetries: 0, metrics: new RelayMetrics(), log: () => undefined,
    policy: { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 60_000, maxDurationMs: 600_000, closingGraceMs: 8000, budgetHangupMs: 2000 },
    providers: {
      stt: { info: { service: 'deepgram', model: 'nova-3' }, open: async ({ onEvent }) => { hear = onEvent; return { sendAudio: () => undefined, close: async () => ({ audioSeconds: 2 }) }; } },
      llm: opts.llm,
      tts: { info: { service: 'elevenlabs', model: 'flash' }, async *synthesize(text) { yield { type: 'audio', mulaw: new Uint8Array(320) }; yield { type: 'usage', characters: text.length }; } }
    },
    telephony: { info: { service: 'twilio', model: 'x' }, sendAudio: () => undefined, mark: (name) => setTimeout(() => session?.onMark(name), 1), clear: () => undefined, hangup: () => undefined },
    ...(opts.summaryTimeoutMs !== undefined ? { summaryTimeoutMs: opts.summaryTimeoutMs } : {})
  });
  await session.start();
  await waitFor(() => session.phase === 'listening');
  if (opts.callerSays) {
    hear({ type: 'final', text: opts.callerSays, endOfTurn: true });
    await waitFor(() => session.conversation().some((m) => m.role === 'user') && session.phase === 'listening');
  }
  session.onCallerHangup();
  await waitFor(() => store.finished.has('c-mem'));
  return store;
}

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error('condition never held');
}

describe('summariseCall', () => {
  const turns = [{ speaker: 'persona' as const, text: 'Hi.' }, { speaker: 'user' as const, text: 'My sister is called Ana.' }];

  it('reads the summary and the facts, and reports the tokens the vendor billed', async () => {
    const requests: ChatMessage[][] = [];
    const out = await summariseCall(scriptedLlm(answering(SUMMARY_REPLY), requests), 'Brad', turns);
    expect(out).toMatchObject({ result: 'summarised', summary: { summary: 'They talked about family.', facts: ['sister: Ana'] } });
    expect(out.usage).toEqual([{ provider: { service: 'cerebras', model: 'gpt-oss-120b' }, promptTokens: 120, completionTokens: 15 }]);
    expect(requests[0]![1]!.content).toContain('| User: My sister is called Ana.');
  });

  it('gives up at the time limit, billing the accepted request as estimated', async () => {
    const out = await summariseCall(scriptedLlm(stalling), 'Brad', turns, 30);
    expect(out.result).toBe('timed_out');
    expect(out.summary).toBeNull();
    expect(out.usage).toHaveLength(1);
    expect(out.usage[0]!.promptTokens).toBeGreaterThan(50);
  });

  it('reports a refused request without usage', async () => {
    const refused = () => (async function* (): AsyncIterable<LlmEvent> {
      throw new ProviderError('cerebras answered HTTP 400', { service: 'cerebras', retryable: false, status: 400 });
    })();
    const out = await summariseCall(scriptedLlm(refused), 'Brad', turns);
    expect(out).toMatchObject({ result: 'failed', summary: null, usage: [] });
  });
});

describe('a call that ends', () => {
  it('is summarised, and the summary is billed to it, before the media is reported over', async () => {
    const store = await callThatEnds({ llm: scriptedLlm(answering(SUMMARY_REPLY, 500, 40)), callerSays: 'my sister is called ana' });
    expect(store.summaries.get('c-mem')).toEqual({ summary: 'They talked about family.', facts: ['sister: Ana'] });
    const summaryTokens = store.usage.filter((e) => e.service === 'cerebras' && ((e.usage === 'llm_input_tokens' && e.quantity === 500) || (e.usage === 'llm_output_tokens' && e.quantity === 40)));
    expect(summaryTokens).toHaveLength(2);
    expect(summaryTokens.every((e) => e.callId === 'c-mem')).toBe(true);
    // Everything is written before finishCall, which is what lets settlement close the call.
    expect(store.order.at(-1)).toBe('finish');
    expect(store.order.indexOf('summary')).toBeLessThan(store.order.indexOf('finish'));
  });

  it('settles without a summary when the LLM is too slow, still billing what was asked', async () => {
    const store = await callThatEnds({ llm: scriptedLlm(stalling), callerSays: 'my sister is called ana', summaryTimeoutMs: 50 });
    expect(store.summaries.size).toBe(0);
    expect(store.finished.get('c-mem')).toBe('user_hung_up');
    const inputs = store.usage.filter((e) => e.usage === 'llm_input_tokens');
    expect(inputs.map((e) => e.quantity).slice(0, 2)).toEqual([30, 30]); // the two turns'
    expect(inputs).toHaveLength(3); // and the abandoned summary's, estimated
  });

  it('is not summarised when memory is off, or when the caller said nothing', async () => {
    for (const opts of [{ memoryEnabled: false, callerSays: 'my sister is called ana' }, { memoryEnabled: true }]) {
      const requests: ChatMessage[][] = [];
      const store = await callThatEnds({ llm: scriptedLlm(answering(SUMMARY_REPLY), requests), ...opts });
      expect(requests.some((m) => isSummaryRequest(m))).toBe(false);
      expect(store.summaries.size).toBe(0);
      expect(store.finished.has('c-mem')).toBe(true);
    }
  });
});
