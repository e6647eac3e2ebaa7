// The call session with scripted providers: budget warning and cap, provider failure with bounded retry, and
// costs that never fail the call.
import { describe, expect, it, vi } from 'vitest';
import { InMemoryCallStore, type CallContext, type UsageReport } from './call_store.ts';
import { CallSession, type SessionDeps } from './call_session.ts';
import { FIXED_LINES } from './fixed_lines.ts';
import { ACKNOWLEDGEMENT } from './turn_runner.ts';
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
  /** When each synthesis was asked for (performance.now()). */
  spokenAt: number[];
  line: string[];
  hangups: string[];
  metrics: RelayMetrics;
  emitStt: (e: SttEvent) => void;
  ended: Promise<EndReason>;
}

function harness(opts: { call?: Partial<CallContext>; chargeOf?: (r: UsageReport) => number; llm?: (n: number) => AsyncIterable<LlmEvent>; echoMarks?: boolean | ((name: string) => boolean); store?: InMemoryCallStore; maxRetries?: number; policy?: TurnPolicy; now?: () => number; model?: LanguageModel; answering?: SessionDeps['answering']; ttsAudioBytes?: number }): Harness {
  const store = opts.store ?? new InMemoryCallStore({ chargeOf: opts.chargeOf });
  const llmRequests: ChatMessage[][] = [];
  const spoken: string[] = [];
  const spokenAt: number[] = [];
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
        spokenAt.push(performance.now());
        yield { type: 'audio', mulaw: new Uint8Array(opts.ttsAudioBytes ?? 1600).fill(0x20) };
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
    onEnded: resolveEnded, ...(opts.now ? { now: opts.now } : {}), ...(opts.answering ? { answering: opts.answering } : {})
  });
  return { session, store, llmRequests, spoken, spokenAt, line, hangups, metrics, emitStt: (e) => onStt(e), ended };
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
    // The cut-off answer is on record as interrupted, with its latencies; the greeting answered nobody and is not.
    const turn2 = h.store.turnLatencies.find((r) => r.turn === 2);
    expect(turn2).toMatchObject({ callId: 'c1', interrupted: true, preemptive: false, acknowledged: false, wastedLlmTokens: 0 });
    expect(turn2!.voiceToVoiceMs).toEqual(expect.any(Number));
    expect(turn2!.ttsFirstByteMs).toEqual(expect.any(Number));
    expect(h.store.turnLatencies.some((r) => r.turn === 1)).toBe(false);
  });

  it('synthesises an answer a sentence ahead of what has played, so a barge-in leaves at most two sentences paid for and unheard', async () => {
    // A vendor far faster than real time: each sentence's 5 s of audio arrives at once.
    const story = ['Once there was a fox.', 'It lived in a wood.', 'One day it met a crow.', 'The crow had cheese.', 'The fox wanted it.', 'So it flattered her.'];
    const h = harness({
      ttsAudioBytes: 40_000,
      echoMarks: (name) => name.startsWith('t1'), // none of the answer has played yet
      llm: (n) => (async function* (): AsyncIterable<LlmEvent> {
        yield { type: 'text', delta: n === 2 ? story.join(' ') : 'Hello there, it is Sarah.' };
      })()
    });
    await h.session.start();
    await waitUntil(() => h.session.phase === 'listening');
    h.emitStt({ type: 'final', text: 'tell me a story', endOfTurn: true });
    // Both first sentences are with the line; the third waits until the first has played, 5 s from now.
    await waitUntil(() => h.line.includes('mark:t2c1'));
    expect(h.spoken.slice(1)).toEqual(story.slice(0, 2));
    for (let i = 0; i < 15; i++) h.session.onAudio(new Uint8Array(160).fill(0x00)); // 300 ms of loud speech
    expect(h.line.at(-1)).toBe('clear');
    h.emitStt({ type: 'final', text: 'wait', endOfTurn: true });
    await waitUntil(() => h.llmRequests.length === 3);
    await h.session.end('user_hung_up');
    // Nothing more was synthesised for the interrupted answer, and only its two sentences' characters were used.
    expect(h.spoken.slice(1, 3)).toEqual(story.slice(0, 2));
    expect(h.spoken.slice(3).some((s) => story.includes(s))).toBe(false);
    const characters = h.store.usage.filter((u) => u.usage === 'tts_characters').reduce((n, u) => n + u.quantity, 0);
    expect(characters).toBe(h.spoken.reduce((n, s) => n + s.length, 0));
  });

  it('synthesises each later sentence once the one two before it has played, and still speaks the whole answer', async () => {
    // 200 ms of audio a sentence: the third sentence is asked for 200 ms after the first went out, the sixth 600 ms
    // after the third, and every mark comes back.
    const story = ['Once there was a fox.', 'It lived in a wood.', 'One day it met a crow.', 'The crow had cheese.', 'The fox wanted it.', 'So it flattered her.'];
    const h = harness({
      llm: (n) => (async function* (): AsyncIterable<LlmEvent> {
        yield { type: 'text', delta: n === 2 ? story.join(' ') : 'Hello there, it is Sarah.' };
      })()
    });
    await h.session.start();
    await waitUntil(() => h.session.phase === 'listening');
    h.emitStt({ type: 'final', text: 'tell me a story', endOfTurn: true });
    await waitUntil(() => h.line.includes('mark:t2c5') && h.session.phase === 'listening');
    expect(h.spoken.slice(1)).toEqual(story);
    const at = h.spokenAt.slice(1);
    // Timers never fire early by more than their millisecond rounding.
    expect(at[5]! - at[2]!).toBeGreaterThanOrEqual(3 * 200 - 3);
    await h.session.end('user_hung_up');
    expect(h.store.transcript.filter((t) => t.speaker === 'persona').map((t) => [t.text, t.interrupted])).toEqual([
      ['Hello there, it is Sarah.', false], [story.join(' '), false]
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

  describe('answering before the turn is over', () => {
    /** Answers name the caller's last words, so the reply spoken shows which request it came from. */
    const echoing = (gate?: Promise<void>): LanguageModel => ({
      info: { service: 'cerebras', model: 'llama' },
      async *stream({ messages }) {
        const heard = messages.filter((m) => m.role === 'user').at(-1)?.content;
        if (heard !== undefined && gate) await gate;
        yield { type: 'text', delta: heard === undefined ? 'Hello, Sarah here.' : `About ${heard}, sure.` };
        yield { type: 'usage', promptTokens: 30, completionTokens: 6 };
      }
    });
    it('never speaks a preemptive reply whose words changed, and counts its tokens and reports them as usage', async () => {
      const h = harness({ model: echoing() });
      await h.session.start();
      await waitUntil(() => h.session.phase === 'listening');
      h.emitStt({ type: 'interim', text: 'what is the' });
      await waitUntil(() => h.llmRequests.length === 2);
      h.emitStt({ type: 'interim', text: 'what is the weather' });
      await waitUntil(() => h.llmRequests.length === 3);
      h.emitStt({ type: 'final', text: 'what is the weather today', endOfTurn: true });
      await waitUntil(() => h.spoken.includes('About what is the weather today, sure.'));
      await waitUntil(() => h.session.phase === 'listening');
      expect(h.llmRequests).toHaveLength(4);
      expect(h.spoken).toEqual(['Hello, Sarah here.', 'About what is the weather today, sure.']);
      expect(h.line.filter((l) => l.startsWith('mark:'))).toEqual(['mark:t1c0', 'mark:t2c0']);
      const wasted = h.metrics.preemptiveReplies;
      expect(wasted).toMatchObject({ adopted: 0, discarded: 2 });
      expect(wasted.wastedTokens).toBeGreaterThan(0);
      await h.session.end('user_hung_up');
      expect(h.store.turnLatencies.find((r) => r.turn === 2)).toMatchObject({ preemptive: false, wastedLlmTokens: wasted.wastedTokens });
      // Reported for the database to price: the greeting's and the answer's tokens, plus what the two discarded requests cost.
      const input = h.store.usage.filter((e) => e.usage === 'llm_input_tokens').reduce((n, e) => n + e.quantity, 0);
      const output = h.store.usage.filter((e) => e.usage === 'llm_output_tokens').reduce((n, e) => n + e.quantity, 0);
      expect(input + output).toBe(2 * (30 + 6) + wasted.wastedTokens);
    });

    it('adopts a preemptive reply to the same words: one request, answered at once', async () => {
      const h = harness({ model: echoing() });
      await h.session.start();
      await waitUntil(() => h.session.phase === 'listening');
      h.emitStt({ type: 'interim', text: 'tell me a joke' });
      await waitUntil(() => h.llmRequests.length === 2);
      h.emitStt({ type: 'final', text: 'Tell me a joke.', endOfTurn: true });
      await waitUntil(() => h.spoken.length === 2);
      expect(h.spoken[1]).toBe('About tell me a joke, sure.');
      expect(h.llmRequests).toHaveLength(2);
      expect(h.metrics.preemptiveReplies).toMatchObject({ adopted: 1, discarded: 0, wastedTokens: 0 });
      // The conversation records the caller's final words, and the answer as heard.
      await waitUntil(() => h.session.phase === 'listening');
      expect(h.session.conversation().slice(-2)).toEqual([{ role: 'user', content: 'Tell me a joke.' }, { role: 'assistant', content: 'About tell me a joke, sure.' }]);
      await h.session.end('user_hung_up');
      expect(h.store.turnLatencies.find((r) => r.turn === 2)).toMatchObject({ preemptive: true, llmFirstTokenMs: expect.any(Number), interrupted: false });
    });

    /** A listening session on a call clock the test moves: `frame` hears one 20 ms frame, loud or quiet. */
    const listeningOnClock = async () => {
      let t = 0;
      const h = harness({ model: echoing(), now: () => t });
      await h.session.start();
      await waitUntil(() => h.session.phase === 'listening');
      const frame = (loud: boolean) => {
        t += 20;
        h.session.onAudio(new Uint8Array(160).fill(loud ? 0x00 : 0xff));
      };
      return { h, frame };
    };

    it('starts a preemptive reply on a stable interim: not on words still growing while the caller speaks', async () => {
      const { h, frame } = await listeningOnClock();
      frame(true);
      h.emitStt({ type: 'interim', text: 'tell me a' });
      frame(true);
      h.emitStt({ type: 'interim', text: 'tell me a joke' });
      await new Promise((r) => setImmediate(r));
      expect(h.llmRequests).toHaveLength(1); // the greeting only
      // The caller goes quiet: the latest words are answered ahead, once.
      frame(false);
      frame(false);
      await waitUntil(() => h.llmRequests.length === 2);
      expect(h.llmRequests[1]!.at(-1)).toEqual({ role: 'user', content: 'tell me a joke' });
      h.emitStt({ type: 'final', text: 'Tell me a joke.', endOfTurn: true });
      await waitUntil(() => h.spoken.length === 2);
      expect(h.spoken[1]).toBe('About tell me a joke, sure.');
      expect(h.llmRequests).toHaveLength(2);
      expect(h.metrics.preemptiveReplies).toMatchObject({ adopted: 1, discarded: 0, wastedTokens: 0 });
      await h.session.end('user_hung_up');
    });

    it('starts a preemptive reply on an interim the recogniser repeated, even while the caller still speaks', async () => {
      const { h, frame } = await listeningOnClock();
      frame(true);
      h.emitStt({ type: 'interim', text: 'what is the weather' });
      await new Promise((r) => setImmediate(r));
      expect(h.llmRequests).toHaveLength(1);
      frame(true);
      h.emitStt({ type: 'interim', text: 'What is the weather' });
      await waitUntil(() => h.llmRequests.length === 2);
      // Words that changed after all: the reply ahead is discarded and never spoken.
      h.emitStt({ type: 'final', text: 'what is the weather in Paris', endOfTurn: true });
      await waitUntil(() => h.spoken.length === 2);
      expect(h.spoken[1]).toBe('About what is the weather in Paris, sure.');
      expect(h.metrics.preemptiveReplies).toMatchObject({ adopted: 0, discarded: 1 });
      await h.session.end('user_hung_up');
    });

    it('starts nothing while the persona is speaking: those words may be a barge-in', async () => {
      // Three words do not interrupt under this policy, so the persona is still speaking when they come.
      const h = harness({ model: echoing(), echoMarks: false, policy: { ...POLICY, bargeInWords: 5 } });
      await h.session.start();
      await waitUntil(() => h.line.includes('mark:t1c0'));
      h.emitStt({ type: 'interim', text: 'wait a second' });
      await new Promise((r) => setImmediate(r));
      expect(h.llmRequests).toHaveLength(1);
      await h.session.end('user_hung_up');
    });

    it('waits for more words after an unfinished sentence, and answers the whole of it', async () => {
      const h = harness({ model: echoing(), answering: { unfinishedHoldMs: 60_000, ackAfterMs: 0, preemptive: false } });
      await h.session.start();
      await waitUntil(() => h.session.phase === 'listening');
      h.emitStt({ type: 'final', text: 'i wanted to ask about the', endOfTurn: true });
      h.emitStt({ type: 'interim', text: 'weather' });
      h.emitStt({ type: 'final', text: 'weather tomorrow', endOfTurn: true });
      await waitUntil(() => h.spoken.length === 2);
      expect(h.spoken[1]).toBe('About i wanted to ask about the weather tomorrow, sure.');
      expect(h.llmRequests).toHaveLength(2);
      await h.session.end('user_hung_up');
    });

    it('acknowledges the caller when the answer is late, and only then', async () => {
      let open: () => void = () => undefined;
      const gate = new Promise<void>((r) => (open = r));
      const h = harness({ model: echoing(gate), answering: { unfinishedHoldMs: 700, ackAfterMs: 20, preemptive: true } });
      await h.session.start();
      await waitUntil(() => h.session.phase === 'listening');
      expect(h.spoken).toEqual(['Hello, Sarah here.']); // the greeting answers nobody: never acknowledged
      h.emitStt({ type: 'final', text: 'how are you', endOfTurn: true });
      await waitUntil(() => h.spoken.length === 2);
      expect(h.spoken[1]).toBe(ACKNOWLEDGEMENT);
      open();
      await waitUntil(() => h.spoken.length === 3);
      expect(h.spoken[2]).toBe('About how are you, sure.');
      expect(h.metrics.acknowledgements).toBe(1);
      await waitUntil(() => h.session.phase === 'listening');
      expect(h.session.conversation().at(-1)).toEqual({ role: 'assistant', content: `${ACKNOWLEDGEMENT} About how are you, sure.` });
      await h.session.end('user_hung_up');
      expect(h.store.turnLatencies.find((r) => r.turn === 2)).toMatchObject({ acknowledged: true });
    });
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
