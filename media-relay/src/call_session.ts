// One call: caller audio -> STT; end of turn -> LLM stream -> sentences -> TTS -> μ-law frames + a mark per
// sentence. The next sentence is synthesised while the current one is still being sent and played; audio goes out
// strictly in sentence order. Who speaks when is decided by turn_taking.ts; this file carries out its actions.
// Costs and transcript go to the CallStore in the background and never hold up or fail the call.
import { decodeMulaw, MULAW_SILENCE } from '../../core/src/mulaw.ts';
import { SentenceChunker } from '../../core/src/sentence_chunker.ts';
import { priceUsage, type ServiceRate, type Service, type UsageKind } from '../../core/src/pricing.ts';
import { sumUsd, usdToCentsUp, usdToDecimal, type Usd } from '../../core/src/money.ts';
import type { CallContext, CallStore, CostEvent, TranscriptSegment } from './call_store.ts';
import type { Log } from '../../core/src/log_line.ts';
import type { RelayMetrics, Vendor } from './metrics.ts';
import { ProviderError, type ChatMessage, type Providers, type SttEvent, type SttSession, type Telephony } from './provider_contracts.ts';
import { decideTurn, initialTurnState, type EndReason, type TurnAction, type TurnEvent, type TurnPolicy, type TurnState } from './turn_taking.ts';

const FRAME_BYTES = 160; // 20 ms of 8 kHz μ-law
const SPEECH_RMS = 400;
/** Quiet this long ends a stretch of caller speech (short gaps between syllables do not). */
const SPEECH_GAP_MS = 200;
const TICK_MS = 100;
const FLUSH_MS = 1000;
/** At most this often per call, so live text stays well inside realtime message quotas. */
const INTERIM_EVERY_MS = 250;

export const FIXED_LINES: Record<Extract<TurnAction, { type: 'say' }>['line'], string> = {
  reprompt: 'Are you still there?',
  goodbye_silence: 'I will let you go for now. Goodbye!',
  goodbye_time: 'We are out of time for this call. Goodbye!',
  goodbye_budget: 'That is our time for today. Goodbye!',
  apology: 'Sorry, I am having trouble on my end, so I will have to call you back later. Goodbye!'
};

const RELAY_INSTRUCTIONS =
  'You are on a live phone call. Answer in one to three short spoken sentences, no lists, no emoji, no stage ' +
  'directions. When the conversation is over, say goodbye.';
const WRAP_UP = 'The call budget is nearly used: wrap up the call now and say goodbye in your next answer.';
const GOODBYE = /\b(good ?bye|bye)\b/i;

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
  rates: readonly ServiceRate[];
  policy: TurnPolicy;
  llmMaxRetries: number;
  metrics: RelayMetrics;
  /** Lines about this call (the server binds its call id and request id). */
  log: Log;
  now?: () => number;
  /** Called once when the session has ended and released everything. */
  onEnded?: (reason: EndReason) => void;
}

interface SpokenChunk {
  mark: string;
  text: string;
  heard: boolean;
}

interface ActiveTurn {
  turn: number;
  abort: AbortController;
  chunks: SpokenChunk[];
  /** Set when the caller's turn ended, to measure our response latency to the first frame. */
  callerEndedAt: number | null;
  firstFrameSent: boolean;
  firstFrameAtMs: number | null;
  /** Every sentence of the reply has been sent (or skipped). */
  allSent: boolean;
  finished: boolean;
}

/** A byte stream filled by one synthesis and drained by the sender, so synthesis can run ahead of sending. */
class AudioBuffer {
  private parts: Uint8Array[] = [];
  private done = false;
  private failed: unknown = null;
  private wake: (() => void) | null = null;

  push(b: Uint8Array): void {
    this.parts.push(b);
    this.wake?.();
  }
  end(err?: unknown): void {
    this.done = true;
    if (err) this.failed = err;
    this.wake?.();
  }
  async *drain(): AsyncIterable<Uint8Array> {
    for (;;) {
      while (this.parts.length > 0) yield this.parts.shift()!;
      if (this.failed) throw this.failed;
      if (this.done) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
  }
}

export class CallSession {
  private readonly d: SessionDeps;
  private readonly now: () => number;
  private readonly startedAt: number;
  private state: TurnState;
  private stt: SttSession | null = null;
  private sttReopened = false;
  private current: ActiveTurn | null = null;
  private readonly history: ChatMessage[] = [];
  private wrapUp = false;
  private ended = false;
  private tick: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  // Caller speech detection, for barge-in: a stretch of loud frames, reset after a short quiet gap.
  private speechMs = 0;
  private quietMs = 0;
  private interimWords = 0;
  private callerTurnStartMs: number | null = null;
  // Background writes.
  private costSeq = 0;
  private transcriptSeq = 0;
  private readonly pendingCosts: CostEvent[] = [];
  private readonly pendingTranscript: TranscriptSegment[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private spentUsd: Usd = 0n;
  private budgetWarned = false;
  private budgetExhausted = false;
  private lastBudgetCheck = 0;
  private lastInterimAt = -Infinity;

  constructor(deps: SessionDeps) {
    this.d = deps;
    this.now = deps.now ?? (() => performance.now());
    this.startedAt = this.now();
    this.state = initialTurnState(0);
  }

  private elapsed(): number {
    return this.now() - this.startedAt;
  }

  /** Opens speech recognition and lets the persona speak first. */
  async start(): Promise<void> {
    this.tick = setInterval(() => this.onTick(), TICK_MS);
    this.flushTimer = setInterval(() => void this.flush(), FLUSH_MS);
    try {
      await this.openStt();
    } catch (err) {
      this.providerError('stt', err);
      this.dispatch({ type: 'provider_failed', nowMs: this.elapsed() });
      return;
    }
    this.dispatch({ type: 'call_started', nowMs: this.elapsed() });
  }

  private async openStt(): Promise<void> {
    this.stt = await this.d.providers.stt.open({ onEvent: (e) => this.onStt(e), keyterms: this.d.call.keyterms ?? [] });
  }

  // ---- inbound from the line ----

  onAudio(mulaw: Uint8Array): void {
    if (this.ended) return;
    this.stt?.sendAudio(mulaw);
    const pcm = decodeMulaw(mulaw);
    let s = 0;
    for (const x of pcm) s += x * x;
    const loud = Math.sqrt(s / Math.max(1, pcm.length)) >= SPEECH_RMS;
    const ms = (mulaw.length / 8000) * 1000;
    if (loud) {
      if (this.speechMs === 0 && this.callerTurnStartMs === null) this.callerTurnStartMs = this.elapsed();
      this.speechMs += ms;
      this.quietMs = 0;
      // Also while listening: someone talking at length is not silence, whatever the recogniser makes of it.
      this.dispatch({ type: 'caller_speech', nowMs: this.elapsed(), speechMs: this.speechMs, interimWords: this.interimWords });
    } else if (this.speechMs > 0) {
      this.quietMs += ms;
      if (this.quietMs >= SPEECH_GAP_MS) {
        this.speechMs = 0;
        this.quietMs = 0;
      }
    }
  }

  onMark(name: string): void {
    if (this.ended) return;
    const m = /^t(\d+)c(\d+)$/.exec(name);
    if (!m) return;
    const turn = Number(m[1]);
    const cur = this.current;
    if (cur && cur.turn === turn && !cur.finished) {
      const chunk = cur.chunks.find((c) => c.mark === name);
      if (chunk) chunk.heard = true;
      this.completeIfPlayed(cur);
    }
    this.dispatch({ type: 'mark', turn, nowMs: this.elapsed() });
  }

  /** The caller hung up (Twilio `stop`, or the socket closed). */
  onCallerHangup(): void {
    if (this.ended) return;
    this.dispatch({ type: 'caller_hung_up' });
    void this.end('user_hung_up');
  }

  private onStt(e: SttEvent): void {
    if (this.ended) return;
    if (e.type === 'interim') {
      this.interimWords = e.text.split(/\s+/).filter(Boolean).length;
      this.broadcastInterim('user', e.text, false);
      if (this.state.phase === 'responding') {
        this.dispatch({ type: 'caller_speech', nowMs: this.elapsed(), speechMs: this.speechMs, interimWords: this.interimWords });
      }
    } else if (e.type === 'final' && e.endOfTurn) {
      const endMs = this.elapsed();
      this.interimWords = 0;
      this.addTranscript('user', e.text, this.callerTurnStartMs ?? endMs, endMs, false);
      this.callerTurnStartMs = null;
      this.dispatch({ type: 'caller_turn', nowMs: endMs, text: e.text });
    } else if (e.type === 'closed') {
      this.d.metrics.error('stt');
      this.d.metrics.vendorError(this.d.providers.stt.info.service);
      this.d.log('relay.stt.closed', { level: 'warn', vendor: this.d.providers.stt.info.service, reopen: !this.sttReopened, ...(e.error ? { err: e.error } : {}) });
      this.stt = null;
      if (this.sttReopened) {
        this.dispatch({ type: 'provider_failed', nowMs: this.elapsed() });
        return;
      }
      // One reconnect: a dropped recogniser socket should not end the call on its own.
      this.sttReopened = true;
      this.openStt().catch((err) => {
        this.providerError('stt', err);
        this.dispatch({ type: 'provider_failed', nowMs: this.elapsed() });
      });
    }
  }

  private onTick(): void {
    if (this.ended) return;
    this.checkBudget();
    this.dispatch({ type: 'tick', nowMs: this.elapsed() });
  }

  // ---- policy ----

  private dispatch(e: TurnEvent): void {
    if (this.ended) return;
    const { state, actions } = decideTurn(this.state, e, this.d.policy);
    this.state = state;
    for (const a of actions) this.perform(a);
  }

  private perform(a: TurnAction): void {
    switch (a.type) {
      case 'respond': {
        const callerEndedAt = a.userText === null ? null : this.now();
        if (a.userText !== null) this.history.push({ role: 'user', content: a.userText });
        void this.runTurn(a.turn, null, callerEndedAt);
        break;
      }
      case 'say':
        void this.runTurn(a.turn, FIXED_LINES[a.line], null);
        break;
      case 'interrupt':
        this.interrupt(a.turn);
        break;
      case 'instruct_wrap_up':
        this.wrapUp = true;
        break;
      case 'hangup':
        void this.end(a.reason);
        break;
    }
  }

  // ---- speaking ----

  /** Speaks one assistant turn: a fixed line, or the LLM's streamed answer to the conversation so far. */
  private async runTurn(turn: number, fixedLine: string | null, callerEndedAt: number | null): Promise<void> {
    const t: ActiveTurn = { turn, abort: new AbortController(), chunks: [], callerEndedAt, firstFrameSent: false, firstFrameAtMs: null, allSent: false, finished: false };
    this.current = t;
    const signal = t.abort.signal;
    const jobs: { text: string; audio: AudioBuffer | null }[] = [];
    let wake: (() => void) | null = null;
    const notify = () => wake?.();
    let producing = true;
    let synthFailures = 0;

    const startSynthesis = (text: string): AudioBuffer => {
      const audio = new AudioBuffer();
      void (async () => {
        for (let attempt = 0; attempt < 2; attempt++) {
          let gotAudio = false;
          try {
            for await (const ev of this.d.providers.tts.synthesize(text, { voiceId: this.d.call.voiceId, signal, ...(this.d.call.voiceSettings ? { voiceSettings: this.d.call.voiceSettings } : {}) })) {
              if (ev.type === 'audio') {
                gotAudio = true;
                audio.push(ev.mulaw);
              } else this.recordUsage('elevenlabs', 'tts_characters', ev.characters, this.d.providers.tts.info.model);
            }
            if (signal.aborted) this.recordUsage('elevenlabs', 'tts_characters', text.length, this.d.providers.tts.info.model);
            return audio.end();
          } catch (err) {
            this.providerError('tts', err);
            // Never repeat audio already queued for the caller; a failed sentence is skipped, not blocking.
            if (gotAudio || !(err instanceof ProviderError && err.retryable) || attempt === 1 || signal.aborted) {
              synthFailures++;
              return audio.end(err);
            }
          }
        }
      })();
      return audio;
    };

    const addSentence = (text: string) => {
      jobs.push({ text, audio: jobs.length <= 1 ? startSynthesis(text) : null });
      notify();
    };

    // Producer: the LLM stream (or the fixed line) cut into sentences.
    let replyText = '';
    const produce = async () => {
      if (fixedLine !== null) {
        addSentence(fixedLine);
        replyText = fixedLine;
        return;
      }
      const chunker = new SentenceChunker({ minLength: 8 });
      const messages = this.buildMessages();
      for (let attempt = 0; ; attempt++) {
        let gotText = false;
        try {
          for await (const ev of this.d.providers.llm.stream({ messages, signal })) {
            if (ev.type === 'text') {
              gotText = true;
              replyText += ev.delta;
              for (const s of chunker.push(ev.delta)) addSentence(s);
            } else {
              const { service, model } = ev.provider ?? this.d.providers.llm.info;
              this.recordUsage(service, 'llm_input_tokens', ev.promptTokens, model);
              this.recordUsage(service, 'llm_output_tokens', ev.completionTokens, model);
            }
          }
          if (!signal.aborted) for (const s of chunker.flush()) addSentence(s);
          return;
        } catch (err) {
          this.providerError('llm', err);
          const retry = !gotText && err instanceof ProviderError && err.retryable && attempt < this.d.llmMaxRetries && !signal.aborted;
          if (!retry) throw err;
          await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
        }
      }
    };

    // Consumer: sentences in order, each streamed to the line as 20 ms frames, then its mark.
    const send = async () => {
      for (let i = 0; ; i++) {
        while (i >= jobs.length && producing && !signal.aborted) await new Promise<void>((r) => (wake = r));
        wake = null;
        if (signal.aborted || i >= jobs.length) return;
        const job = jobs[i]!;
        const audio = job.audio ?? (job.audio = startSynthesis(job.text));
        // Look-ahead of one: the next sentence is synthesised while this one is sent and played.
        const next = jobs[i + 1];
        if (next && !next.audio) next.audio = startSynthesis(next.text);
        const mark = `t${turn}c${i}`;
        let carry = new Uint8Array(0);
        let started = false;
        try {
          for await (const bytes of audio.drain()) {
            if (signal.aborted) return;
            const all = carry.length ? concat(carry, bytes) : bytes;
            let off = 0;
            for (; off + FRAME_BYTES <= all.length; off += FRAME_BYTES) {
              if (!started) {
                started = true;
                this.dispatch({ type: 'audio_sent', turn });
              }
              this.sendFrame(t, all.subarray(off, off + FRAME_BYTES));
            }
            carry = all.slice(off);
          }
        } catch {
          if (!started) continue; // skipped sentence: nothing was queued, no mark needed
        }
        if (signal.aborted) return;
        if (carry.length > 0) {
          const last = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
          last.set(carry);
          if (!started) {
            started = true;
            this.dispatch({ type: 'audio_sent', turn });
          }
          this.sendFrame(t, last);
        }
        if (!started) continue;
        t.chunks.push({ mark, text: job.text, heard: false });
        this.d.telephony.mark(mark);
        this.broadcastInterim('persona', t.chunks.map((c) => c.text).join(' '), true);
      }
    };

    const sender = send();
    let failed = false;
    try {
      await produce();
    } catch {
      failed = true;
    } finally {
      producing = false;
      notify();
    }
    await sender;
    if (signal.aborted || this.ended) return;
    if (failed || (jobs.length > 0 && synthFailures === jobs.length)) {
      this.finishTurn(t, false);
      this.dispatch({ type: 'provider_failed', nowMs: this.elapsed() });
      return;
    }
    const endsCall = fixedLine === null && GOODBYE.test(replyText.split(/(?<=[.!?])\s+/).slice(-2).join(' '));
    t.allSent = true;
    this.completeIfPlayed(t);
    this.dispatch({ type: 'reply_done', turn, nowMs: this.elapsed(), endsCall });
  }

  /** A reply enters the conversation once all of it has played; an interruption keeps only what had played. */
  private completeIfPlayed(t: ActiveTurn): void {
    if (t.allSent && t.chunks.every((c) => c.heard)) this.finishTurn(t, true);
  }

  private sendFrame(t: ActiveTurn, frame: Uint8Array): void {
    if (!t.firstFrameSent) {
      t.firstFrameSent = true;
      t.firstFrameAtMs = this.elapsed();
      if (t.callerEndedAt !== null) this.d.metrics.recordTurnLatency(this.now() - t.callerEndedAt);
    }
    this.d.telephony.sendAudio(frame);
  }

  /** Records the turn in the conversation: everything sent, or (interrupted) only the sentences that played. */
  private finishTurn(t: ActiveTurn, complete: boolean): void {
    if (t.finished) return;
    t.finished = true;
    const spoken = t.chunks.filter((c) => complete || c.heard).map((c) => c.text).join(' ').trim();
    if (!spoken) return;
    this.history.push({ role: 'assistant', content: spoken });
    this.addTranscript('persona', spoken, t.firstFrameAtMs ?? this.elapsed(), this.elapsed(), !complete);
  }

  private interrupt(turn: number): void {
    const t = this.current;
    if (!t || t.turn !== turn) return;
    this.d.telephony.clear();
    this.d.metrics.bargeIn();
    t.abort.abort();
    // Marks echoed after this point were released by the clear, not played: what was heard is settled now.
    this.finishTurn(t, false);
  }

  private buildMessages(): ChatMessage[] {
    const system: ChatMessage = { role: 'system', content: `${this.d.call.systemPrompt}\n\n${RELAY_INSTRUCTIONS}` };
    const msgs = [system, ...this.history];
    if (this.wrapUp) msgs.push({ role: 'system', content: WRAP_UP });
    return msgs;
  }

  /** The conversation as the next LLM request would see it (for tests and diagnostics). */
  conversation(): readonly ChatMessage[] {
    return this.buildMessages();
  }

  // ---- costs, budget, transcript ----

  private recordUsage(service: Service, usage: UsageKind, quantity: number, model: string): void {
    if (quantity <= 0) return;
    let priced;
    try {
      priced = priceUsage(this.d.rates, { service, usage, quantity });
    } catch (err) {
      this.d.metrics.error('pricing');
      this.d.log('relay.cost.unpriced', { level: 'error', service, usage, err: err as Error });
      return;
    }
    this.spentUsd += priced.chargeUsd;
    this.pendingCosts.push({
      idempotencyKey: `${this.d.call.callId}:${this.d.streamSid}:${++this.costSeq}`,
      callId: this.d.call.callId,
      service,
      usage,
      quantity,
      billedQuantity: priced.billedQuantity,
      costUsd: usdToDecimal(priced.costUsd),
      chargeUsd: usdToDecimal(priced.chargeUsd),
      model,
      occurredAt: new Date().toISOString()
    });
  }

  private onPhoneLine(): boolean {
    return this.d.transport === 'twilio';
  }

  /** Telephone time so far, priced like the final Twilio bill (whole minutes). */
  private lineCostUsd(): Usd {
    if (!this.onPhoneLine()) return 0n;
    const seconds = this.elapsed() / 1000;
    const parts: Usd[] = [];
    for (const usage of ['call_seconds', 'media_stream_seconds'] as const) {
      try {
        parts.push(priceUsage(this.d.rates, { service: 'twilio', usage, quantity: seconds }).chargeUsd);
      } catch {
        // No Twilio rate configured: the line is not counted against the budget.
      }
    }
    return sumUsd(parts);
  }

  private checkBudget(): void {
    const cap = this.d.call.budgetCents;
    if (cap === null || this.budgetExhausted) return;
    const t = this.elapsed();
    if (t - this.lastBudgetCheck < 250) return;
    this.lastBudgetCheck = t;
    const spentCents = usdToCentsUp(this.spentUsd + this.lineCostUsd());
    if (spentCents >= cap) {
      this.budgetExhausted = true;
      this.dispatch({ type: 'budget_exhausted', nowMs: t });
    } else if (!this.budgetWarned && spentCents * 100 >= cap * this.d.call.warnPercent) {
      this.budgetWarned = true;
      this.dispatch({ type: 'budget_warning' });
    }
  }

  /** Live text for the call page; dropped (never queued) when the store is slow or down. */
  private broadcastInterim(speaker: 'user' | 'persona', text: string, always: boolean): void {
    const t = this.elapsed();
    if (!always && t - this.lastInterimAt < INTERIM_EVERY_MS) return;
    this.lastInterimAt = t;
    this.d.store.broadcastInterim(this.d.call.callId, { speaker, text }).catch(() => this.d.metrics.error('broadcast'));
  }

  private addTranscript(speaker: 'user' | 'persona', text: string, startMs: number, endMs: number, interrupted: boolean): void {
    this.pendingTranscript.push({ callId: this.d.call.callId, seq: this.transcriptSeq++, speaker, text, startMs: Math.round(startMs), endMs: Math.round(Math.max(startMs, endMs)), interrupted });
  }

  /** Writes what is pending. Failures keep the rows for the next flush; nothing here can fail the call. */
  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const segments = this.pendingTranscript.splice(0);
      const costs = this.pendingCosts.splice(0);
      if (segments.length > 0) {
        await this.d.store.saveTranscript(segments).catch((err: Error) => {
          this.pendingTranscript.unshift(...segments);
          this.d.log('relay.transcript.flush_failed', { level: 'error', err, pending: this.pendingTranscript.length });
        });
      }
      if (costs.length > 0) {
        await this.d.store.saveCostEvents(costs).catch((err: Error) => {
          this.pendingCosts.unshift(...costs);
          this.d.log('relay.cost.flush_failed', { level: 'error', err, pending: this.pendingCosts.length });
        });
      }
    });
    return this.flushing;
  }

  /** The vendor behind a failure: the one the error names (a fallback LLM's own), else the role's vendor. */
  private vendorOf(kind: 'stt' | 'llm' | 'tts', err: unknown): Vendor {
    const named = err instanceof ProviderError ? err.service : null;
    const known: readonly string[] = ['deepgram', 'openai', 'cerebras', 'elevenlabs', 'twilio'];
    if (named && known.includes(named)) return named as Vendor;
    return this.d.providers[kind].info.service;
  }

  private providerError(kind: 'stt' | 'llm' | 'tts', err: unknown): void {
    if ((err as Error)?.name === 'AbortError') return;
    const vendor = this.vendorOf(kind, err);
    this.d.metrics.error(kind);
    this.d.metrics.vendorError(vendor);
    this.d.log('relay.provider_error', { level: 'error', kind, vendor, err: err as Error });
  }

  // ---- teardown ----

  /** Ends the call: stops every provider stream, hangs up if we are the ones ending it, writes the final costs. */
  async end(reason: EndReason): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.tick) clearInterval(this.tick);
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.current) {
      this.current.abort.abort();
      this.finishTurn(this.current, false);
    }
    if (reason !== 'user_hung_up') this.d.telephony.hangup(reason);
    const stt = this.stt;
    this.stt = null;
    const seconds = this.elapsed() / 1000;
    const { audioSeconds } = stt ? await stt.close().catch(() => ({ audioSeconds: seconds })) : { audioSeconds: 0 };
    this.recordUsage('deepgram', 'stt_seconds', audioSeconds, this.d.providers.stt.info.model);
    if (this.onPhoneLine()) {
      this.recordUsage('twilio', 'call_seconds', seconds, 'voice');
      this.recordUsage('twilio', 'media_stream_seconds', seconds, 'media-streams');
    }
    await this.flush();
    await this.d.store.finishCall(this.d.call.callId, reason, seconds).catch((err: Error) => this.d.log('relay.finish_failed', { level: 'error', reason, err }));
    this.d.onEnded?.(reason);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get phase(): TurnState['phase'] {
    return this.state.phase;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
