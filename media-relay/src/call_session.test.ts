// The call session with scripted providers: budget warning and cap, provider failure with bounded retry, and
// costs that never fail the call.
import { describe, expect, it, vi } from 'vitest';
import { InMemoryCallStore, type CallContext, type UsageReport } from './call_store.ts';
import { CallSession } from './call_session.ts';
import { FIXED_LINES } from './fixed_lines.ts';
import { loadConfig } from './config.ts';
import { RelayMetrics } from './metrics.ts';
import { callPolicy } from './server.ts';
import { ProviderError, type ChatMessage, type LanguageModel, type LlmEvent, type Providers, type SttEvent, type Telephony } from './provider_contracts.ts';
import { createOpenAiCompatibleLlm } from './openai_chat_llm.ts';
import { withFailover } from './failover_llm.ts';
import { startFakeChatServer, type FakeChatBehaviour } from './testing/fake_chat_server.ts';
import type { EndReason, TurnPolicy } from './turn_taking.ts';

const POLICY: TurnPolicy = { bargeInSpeechMs: 300, bargeInWords: 2, silenceMs: 60_000, maxDurationMs: 600_000, closingGraceMs: 8000, budgetHangupMs: 2000 };
const CALL: CallContext = { callId: 'c1', personaName: 'Sarah', systemPrompt: 'You are Sarah.', voiceId: 'v', maxDurationSeconds: 600, cutoffCents: null, warnCents: null };

interface Harness {
  session: CallSession;
  store: InMemoryCallStore;
  llmRequests: ChatMessage[][];
  spoken: string[];
  line: string[];
  hangups: string[];
  metrics: RelayMetrics;
  emitStt: (e: SttEvent) => void;
  ended: Promise<EndReason>;
}

function harness(opts: { call?: Partial<CallContext>; chargeOf?: (r: UsageReport) => number; llm?: (n: number) => AsyncIterable<LlmEvent>; echoMarks?: boolean | ((name: string) => boolean); store?: InMemoryCallStore; maxRetries?: number; policy?: TurnPolicy; now?: () => number; model?: LanguageModel }): Harness {
  const store = opts.store ?? new InMemoryCallStore({ chargeOf: opts.chargeOf });
  const llmRequests: ChatMessage[][] = [];
  const spoken: string[] = [];
  const line: string[] = [];
  const hangups: string[] = [];
  let onStt: (e: SttEvent) => void = () => undefined;
  let session: CallSession | null = null;
  const providers: Providers = {
    stt: { info: { service: 'deepgram', model: 'nova-3' }, open: async ({ onEvent }) => { onStt = onEvent; return { sendAudio: () => undefined, close: async () => ({ audioSeconds: 1 }) }; } },
    llm: {
      info: opts.model?.info ?? { service: 'cerebras', model: 'llama' },
      stream: (req) => {
        llmRequests.push([...req.messages]);
        if (opts.model) return opts.model.stream(req);
        return (opts.llm ?? (async function* () { yield { type: 'text' as const, delta: 'Hello, it is Sarah here. How are you today?' }; yield { type: 'usage' as const, promptTokens: 10, completionTokens: 12 }; }))(llmRequests.length);
      }
    },
    tts: {
      info: { service: 'elevenlabs', model: 'flash' },
      async *synthesize(text) {
        spoken.push(text);
        yield { type: 'audio', mulaw: new Uint8Array(1600).fill(0x20) };
        yield { type: 'usage', characters: text.length };
      }
    }
  };
  const telephony: Telephony = {
    info: { service: 'twilio', model: 'media-streams' },
    sendAudio: () => line.push('media'),
    mark: (name) => {
      line.push(`mark:${name}`);
      const echo = typeof opts.echoMarks === 'function' ? opts.echoMarks(name) : opts.echoMarks !== false;
      if (echo) setTimeout(() => session?.onMark(name), 5);
    },
    clear: () => line.push('clear'),
    hangup: (reason) => hangups.push(reason)
  };
  const metrics = new RelayMetrics();
  let resolveEnded: (r: EndReason) => void = () => undefined;
  const ended = new Promise<EndReason>((r) => (resolveEnded = r));
  store.calls.set(CALL.callId, { ...CALL, ...opts.call });
  session = new CallSession({
    callSid: `CA${'0'.repeat(32)}`, streamSid: 'MZ1', call: { ...CALL, ...opts.call }, transport: opts.call?.mode === 'browser' ? 'softphone' : 'twilio', telephony, providers, store,
    policy: opts.policy ?? POLICY, llmMaxRetries: opts.maxRetries ?? 1, metrics, log: () => undefined,
    onEnded: resolveEnded, ...(opts.now ? { now: opts.now } : {})
  });
  return { session, store, llmRequests, spoken, line, hangups, metrics, emitStt: (e) => onStt(e), ended };
}

const waitUntil = (cond: () => boolean) => vi.waitUntil(cond, { timeout: 5000, interval: 10 });

describe('call session', () => {
  it('tells the persona to wrap up at the warning level of the budget', async () => {
    // The store charges 0.02 cents a character: the opening's 43 characters are 0.86 cents, past the 0.8-cent warn
    // point and under the 2-cent cut-off point.
    const h = harness({ call: { cutoffCents: 2, warnCents: 0.8 }, chargeOf: (r) => (r.usage === 'tts_characters' ? r.quantity * 0.02 : 0) });
    await h.session.start();
    await waitUntil(() => h.session.phase === 'listening');
    await new Promise((r) => setTimeout(r, 1300)); // a flush learns the charge, and a budget check runs on the tick
    h.emitStt({ type: 'final', text: 'tell me a story', endOfTurn: true });
    await waitUntil(() => h.llmRequests.length === 2);
    expect(h.llmRequests[1]!.at(-1)).toEqual({ role: 'system', content: expect.stringContaining('wrap up the call') });
    await h.session.end('user_hung_up');
  });

  it('at the cut-off point cuts in with a goodbye and hangs up within 2 s of learning the charge, with no further LLM request', async () => {
    const store = new InMemoryCallStore({ chargeOf: (r) => (r.usage === 'tts_characters' ? r.quantity * 100 : 0) });
    const record = store.recordUsage.bind(store);
    let t0 = Infinity;
    store.recordUsage = async (id, reports, line) => {
      const charge = await record(id, reports, line);
      if (charge.chargeCents >= 1) t0 = Math.min(t0, performance.now());
      return charge;
    };
    const h = harness({ store, call: { cutoffCents: 1 }, echoMarks: false });
    await h.session.start();
    const reason = await h.ended;
    expect(reason).toBe('budget_exhausted');
    expect(h.hangups).toEqual(['budget_exhausted']);
    expect(performance.now() - t0).toBeLessThan(2000 + 500);
    expect(h.line).toContain('clear');
    expect(h.spoken.at(-1)).toBe(FIXED_LINES.goodbye_budget);
    expect(h.llmRequests).toHaveLength(1);
    expect(h.store.finished.get('c1')).toBe('budget_exhausted');
  });

  it('retries a failing LLM once, then apologises and hangs up', async () => {
    const h = harness({
      llm: () => (async function* (): AsyncIterable<LlmEvent> {
        throw new ProviderError('overloaded', { service: 'cerebras', retryable: true, status: 503 });
      })()
    });
    await h.session.start();
    expect(await h.ended).toBe('provider_error');
    expect(h.llmRequests).toHaveLength(2);
    expect(h.spoken).toEqual([FIXED_LINES.apology]);
    expect(h.hangups).toEqual(['provider_error']);
  });

  it('does not retry a non-retryable LLM error', async () => {
    const h = harness({ llm: () => (async function* (): AsyncIterable<LlmEvent> { throw new ProviderError('bad key', { service: 'cerebras', retryable: false, status: 401 }); })() });
    await h.session.start();
    expect(await h.ended).toBe('provider_error');
    expect(h.llmRequests).toHaveLength(1);
  });

  it('keeps the call going when the store fails, and writes the rows on a later flush', async () => {
    const store = new InMemoryCallStore();
    let failing = true;
    const record = store.recordUsage.bind(store);
    store.recordUsage = async (id, reports, line) => { if (failing) throw new Error('database down'); return record(id, reports, line); };
    const h = harness({ store, call: { cutoffCents: 1000 } });
    await h.session.start();
    await waitUntil(() => h.session.phase === 'listening');
    await new Promise((r) => setTimeout(r, 1100)); // at least one failed flush
    expect(h.session.isEnded).toBe(false);
    failing = false;
    h.session.onCallerHangup();
    await h.ended;
    // Two sentences, two syntheses: 24 + 18 characters.
    const tts = store.usage.filter((e) => e.usage === 'tts_characters');
    expect(tts.map((e) => e.quantity)).toEqual([24, 18]);
    expect(new Set(store.usage.map((e) => e.key)).size).toBe(store.usage.length);
    expect(store.usage.every((e) => e.key.startsWith('c1:MZ1:'))).toBe(true);
  });

  it('on barge-in clears the line, stops the reply and keeps only the sentences that played', async () => {
    // The answer to the caller (turn 2) has two sentences; only the first one's mark comes back before they cut in.
    const h = harness({
      echoMarks: (name) => name !== 't2c1',
      llm: (n) => (async function* (): AsyncIterable<LlmEvent> {
        yield { type: 'text', delta: n === 2 ? 'First part you will hear. Second part you will not hear.' : 'Hello there, it is Sarah.' };
      })()
    });
    await h.session.start();
    await waitUntil(() => h.session.phase === 'listening');
    h.emitStt({ type: 'final', text: 'tell me something', endOfTurn: true });
    await waitUntil(() => h.line.includes('mark:t2c1'));
    await new Promise((r) => setTimeout(r, 30)); // the first mark's echo arrives
    for (let i = 0; i < 15; i++) h.session.onAudio(new Uint8Array(160).fill(0x00)); // 300 ms of loud speech
    expect(h.line.at(-1)).toBe('clear');
    h.emitStt({ type: 'final', text: 'hold on', endOfTurn: true });
    await waitUntil(() => h.llmRequests.length === 3);
    const assistant = h.llmRequests[2]!.filter((m) => m.role === 'assistant').map((m) => m.content);
    expect(assistant).toEqual(['Hello there, it is Sarah.', 'First part you will hear.']);
    await h.session.end('user_hung_up');
    expect(h.store.transcript.filter((t) => t.speaker === 'persona').map((t) => [t.text, t.interrupted])).toEqual([
      ['Hello there, it is Sarah.', false], ['First part you will hear.', true]
    ]);
  });

  it('lets a call run to its own limit of 30 minutes, not a shorter relay default, then says goodbye', async () => {
    const config = loadConfig({
      RELAY_CALL_STORE: 'memory', RELAY_TWILIO_SIGNATURE: 'off', LLM_FALLBACK_PROVIDER: 'none',
      RELAY_STREAM_TOKEN_SECRET: 'x'.repeat(32), DEEPGRAM_API_KEY: 'dg', LLM_API_KEY: 'llm', ELEVENLABS_API_KEY: 'el'
    });
    const policy = callPolicy({ ...POLICY, silenceMs: 3_600_000, maxDurationMs: config.turns.maxCallSeconds * 1000 }, 1800);
    let clockMs = 0;
    let reads = 0;
    const h = harness({ call: { maxDurationSeconds: 1800 }, policy, now: () => (reads++, clockMs) });
    await h.session.start();
    await waitUntil(() => h.session.phase === 'listening');
    // 15 minutes and more: several ticks read the clock, and the call goes on.
    clockMs = 1_000_000;
    const seen = reads;
    await waitUntil(() => reads >= seen + 5);
    expect(h.session.phase).toBe('listening');
    expect(h.spoken).not.toContain(FIXED_LINES.goodbye_time);
    // Just before its own 30 minutes, the persona says goodbye.
    clockMs = 1_796_000;
    await waitUntil(() => h.spoken.includes(FIXED_LINES.goodbye_time));
    expect(await h.ended).toBe('time_limit');
  });

  describe('with a fallback LLM vendor', () => {
    async function failover(primary: FakeChatBehaviour, fallback: FakeChatBehaviour) {
      const p = await startFakeChatServer(primary);
      const f = await startFakeChatServer(fallback);
      const endpoint = (provider: 'cerebras' | 'openai', baseUrl: string, model: string) => ({ provider, baseUrl, apiKey: 'k', model, maxCompletionTokens: 256, reasoningEffort: null });
      const model = withFailover(createOpenAiCompatibleLlm(endpoint('cerebras', p.url, 'gpt-oss-120b')), createOpenAiCompatibleLlm(endpoint('openai', f.url, 'gpt-6-luna')), { firstTokenTimeoutMs: 1500 });
      return { p, f, model, close: async () => { await p.close(); await f.close(); } };
    }

    it('speaks the fallback\'s answer once when the primary fails, and bills its tokens to the fallback', async () => {
      const v = await failover({ kind: 'error', status: 500 }, { kind: 'answer', text: 'Hi, Brad here from the backup line.', promptTokens: 40, completionTokens: 9 });
      try {
        const h = harness({ model: v.model });
        await h.session.start();
        await waitUntil(() => h.session.phase === 'listening');
        expect(h.spoken).toEqual(['Hi, Brad here from the backup line.']);
        await h.session.end('user_hung_up');
        const llmCosts = h.store.usage.filter((e) => e.usage.startsWith('llm_')).map((e) => [e.service, e.usage, e.quantity, e.model]);
        expect(llmCosts).toEqual([['openai', 'llm_input_tokens', 40, 'gpt-6-luna'], ['openai', 'llm_output_tokens', 9, 'gpt-6-luna']]);
      } finally {
        await v.close();
      }
    });

    it('apologises and hangs up, as for any LLM failure, when both vendors fail', async () => {
      const v = await failover({ kind: 'error', status: 500 }, { kind: 'error', status: 503 });
      try {
        const h = harness({ model: v.model });
        await h.session.start();
        expect(await h.ended).toBe('provider_error');
        expect(h.spoken).toEqual([FIXED_LINES.apology]);
        // One retry of the turn, each attempt asking both vendors.
        expect([v.p.requests.length, v.f.requests.length]).toEqual([2, 2]);
        // Each failed attempt is counted against the vendor that failed it last, the fallback.
        expect(h.metrics.vendorErrors).toEqual({ openai: 2 });
      } finally {
        await v.close();
      }
    });
  });
});
