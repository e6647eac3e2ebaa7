// One call, as stages wired together: speech recognition hears the caller; ConversationTurns (voice activity and
// the turn-taking policy) decides who speaks when; the TurnRunner speaks (LLM -> sentences -> TTS -> μ-law frames
// and marks, barge-in); the UsageBudgetGuard meters usage against the budget; the TranscriptSink records what was
// said. This class only routes events between them, runs the clock and ends the call. Costs and transcript go to
// the CallStore in the background and never hold up or fail the call. When a call with a conversation ends, and the
// persona remembers this user, it is summarised (call_summariser.ts) before the media is reported over.
import type { Log } from '../../core/src/log_line.ts';
import { callClock, type CallClock } from './call_clock.ts';
import { conversationTurns, summariseCall, SUMMARY_TIMEOUT_MS } from './call_summariser.ts';
import type { CallContext, CallStore } from './call_store.ts';
import type { RelayConfig } from './config.ts';
import { ConversationTurns } from './conversation_turns.ts';
import { EndOfTurn } from './end_of_turn.ts';
import { LlmConversation } from './llm_conversation.ts';
import { sameWords } from './preemptive_reply.ts';
import type { RelayMetrics } from './metrics.ts';
import type { ChatMessage, Providers, SttEvent, Telephony } from './provider_contracts.ts';
import { providerErrorReporter, type ReportProviderError } from './provider_error_report.ts';
import { SpeechRecognition } from './speech_recognition.ts';
import { TranscriptSink } from './transcript_sink.ts';
import { TurnLatencySink } from './turn_latency_sink.ts';
import { TurnRunner, type CallerTiming } from './turn_runner.ts';
import type { EndReason, TurnAction, TurnEvent, TurnPolicy, TurnState } from './turn_taking.ts';
import { UsageBudgetGuard } from './usage_budget_guard.ts';

const TICK_MS = 100;
/** The caller counts as quiet once no frame this recent was loud (one 20 ms frame). */
const QUIET_AFTER_MS = 20;
const FLUSH_MS = 1000;
export const DEFAULT_UNFINISHED_HOLD_MS = 700;
export const DEFAULT_ACK_AFTER_MS = 600;

export interface SessionDeps {
  callSid: string;
  streamSid: string;
  call: CallContext;
  /**
   * What carries the audio: a Twilio stream bills Twilio minutes whatever the call's mode (a phone call, or a browser
   * call through Twilio's Voice SDK); the relay's own softphone stream has no line.
   */
  transport: 'twilio' | 'softphone';
  telephony: Telephony;
  providers: Providers;
  store: CallStore;
  policy: TurnPolicy;
  llmMaxRetries: number;
  /** Answer timing: how long an unfinished-sounding turn waits for more words, and when a late answer is acknowledged. */
  answering?: RelayConfig['answering'];
  metrics: RelayMetrics;
  /** Lines about this call (the server binds its call id and request id). */
  log: Log;
  now?: () => number;
  /** Runs the session's periodic work; the process's shared clock by default. */
  clock?: CallClock;
  /** Called once when the session has ended and released everything. */
  onEnded?: (reason: EndReason) => void;
  /** The longest the end of a call waits for its summary; SUMMARY_TIMEOUT_MS unless a test shortens it. */
  summaryTimeoutMs?: number;
}

export class CallSession {
  private readonly d: SessionDeps;
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly providerError: ReportProviderError;
  private readonly recognition: SpeechRecognition;
  private readonly turns: ConversationTurns;
  private readonly conversationSoFar: LlmConversation;
  private readonly speaker: TurnRunner;
  private readonly usage: UsageBudgetGuard;
  private readonly transcript: TranscriptSink;
  private readonly latencies: TurnLatencySink;
  private readonly endOfTurn: EndOfTurn;
  private readonly preemptive: boolean;
  /** The caller turn being answered, for the `respond` that turn-taking decides on. */
  private callerTiming: CallerTiming | null = null;
  /** The latest interim words of the turn, heard while the caller was still speaking and not yet answered ahead. */
  private unsettledWords: string | null = null;
  /** The words of the previous interim of the turn. */
  private lastInterimWords = '';
  /** The caller's current turn began by cutting the persona off: it is answered once it is over, not before. */
  private bargedIn = false;
  private releaseVoice: (() => void) | null = null;
  private ended = false;
  private lineEndedAt: number | null = null;
  private stopTicks: (() => void) | null = null;
  private stopFlushes: (() => void) | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(deps: SessionDeps) {
    this.d = deps;
    this.now = deps.now ?? (() => performance.now());
    this.startedAt = this.now();
    const elapsed = () => this.elapsed();
    const { call, providers, metrics, log } = deps;
    this.providerError = providerErrorReporter(providers, metrics, log);
    this.recognition = new SpeechRecognition({
      stt: providers.stt, keyterms: call.keyterms ?? [], metrics, log,
      onWords: (e) => this.onWords(e),
      onLost: (err) => {
        if (err !== undefined) this.providerError('stt', err);
        this.dispatch({ type: 'provider_failed', nowMs: this.elapsed() });
      }
    });
    this.turns = new ConversationTurns(deps.policy, (a) => this.perform(a));
    this.usage = new UsageBudgetGuard({ call, streamSid: deps.streamSid, store: deps.store, metrics, log });
    this.transcript = new TranscriptSink({ callId: call.callId, store: deps.store, metrics, log, elapsed });
    this.latencies = new TurnLatencySink(call.callId, deps.store, log);
    const answering = deps.answering ?? { unfinishedHoldMs: DEFAULT_UNFINISHED_HOLD_MS, ackAfterMs: DEFAULT_ACK_AFTER_MS, preemptive: true };
    this.preemptive = answering.preemptive;
    this.endOfTurn = new EndOfTurn({ holdMs: answering.unfinishedHoldMs, onTurnEnd: (text) => this.onCallerTurn(text) });
    this.conversationSoFar = new LlmConversation(call.systemPrompt);
    this.speaker = new TurnRunner({
      llm: providers.llm, tts: providers.tts, telephony: deps.telephony,
      voice: { voiceId: call.voiceId, ...(call.voiceSettings ? { voiceSettings: call.voiceSettings } : {}) },
      conversation: this.conversationSoFar, llmMaxRetries: deps.llmMaxRetries, metrics, elapsed, ackAfterMs: answering.ackAfterMs,
      turnLatency: (row) => this.latencies.add(row),
      dispatch: (e) => this.dispatch(e),
      usage: (service, usage, quantity, model) => this.usage.record(service, usage, quantity, model),
      spoken: (text, startMs, endMs, interrupted) => this.transcript.final('persona', text, startMs, endMs, interrupted),
      speaking: (text) => this.transcript.interim('persona', text),
      providerError: this.providerError
    });
  }

  private elapsed(): number {
    return this.now() - this.startedAt;
  }

  /**
   * How long the carrier's line has been up, in seconds, for the running charge until Twilio reports its minutes; the
   * softphone stream has no line. Fixed when the call ends.
   */
  private lineSeconds(): number {
    if (this.d.transport !== 'twilio') return 0;
    return this.lineEndedAt ?? this.elapsed() / 1000;
  }

  /** Opens speech recognition and lets the persona speak first. */
  async start(): Promise<void> {
    const clock = this.d.clock ?? callClock;
    this.stopTicks = clock.every(TICK_MS, () => this.onTick());
    this.stopFlushes = clock.every(FLUSH_MS, () => void this.flush());
    // Vendor connections open while recognition does, so the first sentence pays no handshake.
    const { tts, llm } = this.d.providers;
    this.releaseVoice = tts.warm?.({ voiceId: this.d.call.voiceId, voiceSettings: this.d.call.voiceSettings }) ?? null;
    llm.prewarm?.();
    try {
      await this.recognition.open();
    } catch (err) {
      this.providerError('stt', err);
      this.dispatch({ type: 'provider_failed', nowMs: this.elapsed() });
      return;
    }
    this.dispatch({ type: 'call_started', nowMs: this.elapsed() });
  }

  // ---- inbound from the line ----

  onAudio(mulaw: Uint8Array): void {
    if (this.ended) return;
    this.recognition.sendAudio(mulaw);
    const now = this.elapsed();
    this.turns.callerAudio(mulaw, now);
    // The caller went quiet after words that were still growing: they are as stable as they will get before the final.
    if (this.unsettledWords !== null && this.callerQuiet(now)) {
      const words = this.unsettledWords;
      this.unsettledWords = null;
      this.speculate(words);
    }
  }

  private callerQuiet(nowMs: number): boolean {
    return nowMs - this.turns.lastSpeechAt(-Infinity) >= QUIET_AFTER_MS;
  }

  onMark(name: string): void {
    if (this.ended) return;
    const turn = this.speaker.markPlayed(name);
    if (turn !== null) this.dispatch({ type: 'mark', turn, nowMs: this.elapsed() });
  }

  /** The caller hung up (Twilio `stop`, or the socket closed). */
  onCallerHangup(): void {
    if (this.ended) return;
    this.dispatch({ type: 'caller_hung_up' });
    void this.end('user_hung_up');
  }

  private onWords(e: Exclude<SttEvent, { type: 'closed' }>): void {
    if (this.ended) return;
    if (e.type === 'interim') {
      const soFar = this.endOfTurn.soFar(e.text);
      this.endOfTurn.interim(e.text);
      this.transcript.interim('user', soFar);
      this.turns.callerInterim(e.text, this.elapsed());
      this.onInterimWords(soFar);
      return;
    }
    this.unsettledWords = null;
    this.lastInterimWords = '';
    this.endOfTurn.final(e.text, e.endOfTurn);
    if (!e.endOfTurn) this.speculate(this.endOfTurn.soFar());
  }

  /**
   * Preemptive generation starts on a stable interim only: one heard after the caller went quiet, or one the
   * recogniser repeated a step later. Words that arrive while the caller is still speaking are still growing (the
   * recogniser's guess near the tip changes too); answering each would waste a request on every step, so they wait
   * for the caller to go quiet.
   */
  private onInterimWords(words: string): void {
    const repeated = sameWords(words, this.lastInterimWords);
    this.lastInterimWords = words;
    if (repeated || this.callerQuiet(this.elapsed())) {
      this.unsettledWords = null;
      this.speculate(words);
    } else this.unsettledWords = words;
  }

  /** While we listen, the answer to the words so far can start (never while we speak: those words may be a barge-in). */
  private speculate(text: string): void {
    if (!this.preemptive || this.bargedIn || this.turns.phase !== 'listening' || text.split(/\s+/).filter(Boolean).length < 2) return;
    this.speaker.speculate(text);
  }

  /** The caller's turn is over (end_of_turn.ts): record it and let turn-taking decide the answer. */
  private onCallerTurn(text: string): void {
    if (this.ended) return;
    const endMs = this.elapsed();
    this.callerTiming = { speechEndMs: Math.min(endMs, this.turns.lastSpeechAt(endMs)), turnEndMs: endMs };
    this.unsettledWords = null;
    this.lastInterimWords = '';
    const startMs = this.turns.endCallerTurn(endMs);
    this.transcript.final('user', text, startMs, endMs, false);
    this.dispatch({ type: 'caller_turn', nowMs: endMs, text });
    this.callerTiming = null;
    this.bargedIn = false;
  }

  private onTick(): void {
    if (this.ended) return;
    const budget = this.usage.check(this.elapsed());
    if (budget) this.dispatch(budget);
    this.dispatch({ type: 'tick', nowMs: this.elapsed() });
  }

  // ---- turn-taking's decisions, carried out ----

  private dispatch(e: TurnEvent): void {
    if (this.ended) return;
    this.turns.dispatch(e);
  }

  private perform(a: TurnAction): void {
    switch (a.type) {
      case 'respond':
        this.speaker.respond(a.turn, a.userText, a.userText === null ? null : this.callerTiming);
        break;
      case 'say':
        this.speaker.say(a.turn, a.line);
        break;
      case 'interrupt':
        this.bargedIn = true;
        this.speaker.interrupt(a.turn);
        break;
      case 'instruct_wrap_up':
        this.conversationSoFar.wrapUp();
        break;
      case 'hangup':
        void this.end(a.reason);
        break;
    }
  }

  /** The conversation as the next LLM request would see it (for tests and diagnostics). */
  conversation(): readonly ChatMessage[] {
    return this.conversationSoFar.messages();
  }

  /** Writes what is pending, transcript first. Failures keep the rows for the next flush; nothing here can fail the call. */
  private flush(): Promise<void> {
    // The three writes are independent; run together, the usage report (which the cut-off waits for) is not held
    // behind the transcript's and the latencies' round trips.
    this.flushing = this.flushing.then(async () => {
      await Promise.all([this.transcript.flush(), this.latencies.flush(), this.usage.flush(this.lineSeconds())]);
    });
    return this.flushing;
  }

  // ---- teardown ----

  /**
   * The call was ended outside the relay (cancelled in the app, hung up at the carrier, failed): as if the caller hung
   * up, but the line is closed from here too, since nobody else closes a softphone's socket.
   */
  endedElsewhere(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.dispatch({ type: 'caller_hung_up' });
    return this.end('user_hung_up', true);
  }

  /** Ends the call: stops every provider stream, hangs up if we are the ones ending it, writes the final costs. */
  async end(reason: EndReason, closeLine = reason !== 'user_hung_up'): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.stopTicks?.();
    this.stopFlushes?.();
    this.endOfTurn.stop();
    this.speaker.stop();
    this.releaseVoice?.();
    if (closeLine) this.d.telephony.hangup(reason);
    const seconds = this.elapsed() / 1000;
    const audioSeconds = await this.recognition.close(seconds);
    this.usage.record('deepgram', 'stt_seconds', audioSeconds, this.d.providers.stt.info.model);
    this.lineEndedAt = seconds;
    // The summary's tokens are usage of this call: they are recorded and flushed before the media is reported over,
    // which is what settlement waits for. The transcript is written meanwhile.
    await Promise.all([this.flush(), this.summarise()]);
    await this.flush();
    await this.d.store.finishCall(this.d.call.callId, reason, seconds).catch((err: Error) => this.d.log('relay.finish_failed', { level: 'error', reason, err }));
    this.d.onEnded?.(reason);
  }

  /** Summarises a call in which the caller said something, when the persona remembers them. Never rejects. */
  private async summarise(): Promise<void> {
    const { call, providers, store, log } = this.d;
    const turns = conversationTurns(this.conversationSoFar.messages());
    if (!call.memoryEnabled || !turns.some((t) => t.speaker === 'user')) return;
    const outcome = await summariseCall(providers.llm, call.personaName, turns, this.d.summaryTimeoutMs ?? SUMMARY_TIMEOUT_MS);
    for (const u of outcome.usage) {
      this.usage.record(u.provider.service, 'llm_input_tokens', u.promptTokens, u.provider.model);
      this.usage.record(u.provider.service, 'llm_output_tokens', u.completionTokens, u.provider.model);
    }
    if (outcome.error !== undefined) this.providerError('llm', outcome.error);
    const stored = outcome.summary
      ? await store.saveCallSummary(call.callId, outcome.summary).catch((err: Error) => {
          log('relay.summary.save_failed', { level: 'error', err });
          return 'save_failed';
        })
      : null;
    log('relay.summary', { level: outcome.summary ? 'info' : 'warn', result: outcome.result, stored, facts: outcome.summary?.facts.length ?? 0 });
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get phase(): TurnState['phase'] {
    return this.turns.phase;
  }
}
