// Stage: the turn runner. Speaks one assistant turn at a time: a fixed line, or the LLM's streamed answer cut into
// sentences; each sentence is synthesised (μ-law 8 kHz) and sent as 20 ms frames followed by a mark. A sentence is
// synthesised while the one before it plays, and no further ahead (what a caller cuts off was paid for all the same);
// audio goes out strictly in sentence order. A barge-in clears the line and aborts generation and synthesis, and the
// conversation keeps only the sentences whose marks came back (what the caller heard).
// While the caller is still talking, the runner can start the answer to what they have said so far (preemptive
// generation, preemptive_reply.ts); the turn adopts it only if the caller's final words are the same. When the first
// sentence is late all the same, a short acknowledgement plays first so the line is not silent.
import { setTimeout as sleep } from 'node:timers/promises';
import { MULAW_BYTES_PER_MS as BYTES_PER_MS, MULAW_FRAME_BYTES as FRAME_BYTES, MULAW_SILENCE } from '../../core/src/mulaw.ts';
import type { Service, UsageKind } from '../../core/src/pricing.ts';
import { SentenceChunker } from '../../core/src/sentence_chunker.ts';
import { AudioBuffer } from './audio_buffer.ts';
import type { TurnLatency, VoiceSettings } from './call_store.ts';
import { FIXED_LINES, type FixedLine } from './fixed_lines.ts';
import type { LlmConversation } from './llm_conversation.ts';
import type { RelayMetrics } from './metrics.ts';
import { PreemptiveReply } from './preemptive_reply.ts';
import { ProviderError, type LanguageModel, type Telephony, type TextToSpeech } from './provider_contracts.ts';
import type { ReportProviderError } from './provider_error_report.ts';
import type { TurnEvent } from './turn_taking.ts';

const NO_BYTES = new Uint8Array(0);
const GOODBYE = /\b(good ?bye|bye)\b/i;
/** Preemptive replies one caller turn may start: each change of their words restarts it, and each costs tokens. */
export const MAX_PREEMPTIVE_PER_TURN = 4;
/** Said when the answer's first sentence is late; short, so the answer follows without a gap. */
export const ACKNOWLEDGEMENT = 'Mm-hm.';

export interface TurnRunnerDeps {
  llm: LanguageModel;
  tts: TextToSpeech;
  telephony: Telephony;
  voice: { voiceId: string; voiceSettings?: VoiceSettings };
  conversation: LlmConversation;
  /** Further attempts at a turn whose LLM request failed before its first word. */
  llmMaxRetries: number;
  metrics: Pick<RelayMetrics, 'recordTurnLatency' | 'bargeIn' | 'preemptive' | 'acknowledged'>;
  /** With no LLM text this long after the caller's turn ended, an acknowledgement plays first (0 = never). */
  ackAfterMs: number;
  /** A reply to the caller has finished (played, or interrupted): its latencies. */
  turnLatency: (row: Omit<TurnLatency, 'callId'>) => void;
  /** Call time: ms since the call started. */
  elapsed: () => number;
  /** What speaking tells turn-taking: audio of a turn went out, a reply is complete, the providers failed. */
  dispatch: (e: TurnEvent) => void;
  usage: (service: Service, usage: UsageKind, quantity: number, model: string) => void;
  /** The sentences of a reply that were spoken: all of them, or (interrupted) those that played. */
  spoken: (text: string, startMs: number, endMs: number, interrupted: boolean) => void;
  /** The reply so far, each time one more sentence has gone out. */
  speaking: (textSoFar: string) => void;
  providerError: ReportProviderError;
}

interface SpokenChunk {
  mark: string;
  text: string;
  heard: boolean;
}

/** When the caller's turn happened, in call time: their last loud frame, and when the turn was called over. */
export interface CallerTiming {
  speechEndMs: number;
  turnEndMs: number;
}

interface ActiveTurn {
  turn: number;
  abort: AbortController;
  chunks: SpokenChunk[];
  /** Set when the caller's turn ended, to measure our response latency to the first frame. */
  callerEndedAt: number | null;
  timing: CallerTiming | null;
  firstFrameAtMs: number | null;
  firstTokenAtMs: number | null;
  ttsFirstByteMs: number | null;
  preemptive: boolean;
  acknowledged: boolean;
  wastedTokens: number;
  /** Every sentence of the reply has been sent (or skipped). */
  allSent: boolean;
  finished: boolean;
}

export class TurnRunner {
  private current: ActiveTurn | null = null;
  private stopped = false;
  private preemptive: PreemptiveReply | null = null;
  private preemptiveStarts = 0;
  /** Tokens spent on discarded preemptive replies since the last answer to the caller. */
  private wastedTokens = 0;

  private readonly d: TurnRunnerDeps;

  constructor(d: TurnRunnerDeps) {
    this.d = d;
  }

  /**
   * Starts answering what the caller has said so far, before their turn ends. Nothing of it is spoken unless the turn
   * that follows adopts it; words that changed discard it and start again (a few times per turn at most).
   */
  speculate(callerText: string): void {
    if (this.stopped) return;
    const version = this.d.conversation.version;
    if (this.preemptive?.answers(callerText, version)) return;
    if (this.preemptiveStarts >= MAX_PREEMPTIVE_PER_TURN) return;
    this.discardPreemptive();
    this.preemptiveStarts++;
    this.preemptive = new PreemptiveReply(this.d.llm, this.d.conversation.messagesWithCaller(callerText), callerText, version, this.d.elapsed);
  }

  /** Answers the conversation so far; `callerText` is what the caller just said (null: the persona speaks first). */
  respond(turn: number, callerText: string | null, timing: CallerTiming | null = null): void {
    const callerEndedAt = callerText === null ? null : this.d.elapsed();
    let adopted: PreemptiveReply | null = null;
    if (callerText !== null && this.preemptive?.answers(callerText, this.d.conversation.version)) {
      adopted = this.preemptive;
      this.preemptive = null;
    }
    this.discardPreemptive();
    this.preemptiveStarts = 0;
    if (callerText !== null) this.d.conversation.caller(callerText);
    const wasted = callerText === null ? 0 : this.wastedTokens;
    if (callerText !== null) this.wastedTokens = 0;
    void this.run(turn, null, callerEndedAt, { timing, adopted, wasted });
  }

  /** Drops the preemptive reply in progress (its tokens are counted and reported as usage): the caller's words changed. */
  discardPreemptive(): void {
    const p = this.preemptive;
    if (!p) return;
    this.preemptive = null;
    const t = p.discard();
    const { service, model } = this.d.llm.info;
    this.d.usage(service, 'llm_input_tokens', t.promptTokens, model);
    this.d.usage(service, 'llm_output_tokens', t.completionTokens, model);
    this.wastedTokens += t.promptTokens + t.completionTokens;
    this.d.metrics.preemptive('discarded', t.promptTokens + t.completionTokens);
  }

  say(turn: number, line: FixedLine): void {
    void this.run(turn, FIXED_LINES[line], null, null);
  }

  /** Barge-in on `turn`: clears the line, stops generating and synthesising, keeps what was heard. */
  interrupt(turn: number): void {
    const t = this.current;
    if (!t || t.turn !== turn) return;
    this.d.telephony.clear();
    this.d.metrics.bargeIn();
    t.abort.abort();
    // Marks echoed after this point were released by the clear, not played: what was heard is settled now.
    this.finishTurn(t, false);
  }

  /** A mark came back: its sentence was heard. Returns the turn it belongs to, or null for a name not ours. */
  markPlayed(name: string): number | null {
    const m = /^t(\d+)c(\d+)$/.exec(name);
    if (!m) return null;
    const turn = Number(m[1]);
    const cur = this.current;
    if (cur && cur.turn === turn && !cur.finished) {
      const chunk = cur.chunks.find((c) => c.mark === name);
      if (chunk) chunk.heard = true;
      this.completeIfPlayed(cur);
    }
    return turn;
  }

  /** The call is over: the turn in progress stops and keeps what was heard; nothing more is spoken. */
  stop(): void {
    this.stopped = true;
    this.discardPreemptive();
    if (this.current) {
      this.current.abort.abort();
      this.finishTurn(this.current, false);
    }
  }

  private async run(turn: number, fixedLine: string | null, callerEndedAt: number | null, answer: { timing: CallerTiming | null; adopted: PreemptiveReply | null; wasted: number } | null): Promise<void> {
    const t: ActiveTurn = {
      turn, abort: new AbortController(), chunks: [], callerEndedAt, timing: answer?.timing ?? null, firstFrameAtMs: null, firstTokenAtMs: null,
      ttsFirstByteMs: null, preemptive: answer?.adopted != null, acknowledged: false, wastedTokens: answer?.wasted ?? 0, allSent: false, finished: false
    };
    if (answer?.adopted) this.d.metrics.preemptive('adopted', 0);
    this.current = t;
    const signal = t.abort.signal;
    /**
     * `playedBy`: when the sentence's audio will have played (call time), once all of it is with the line. `due`: the
     * wait for its synthesis to be due, one per sentence however many times the sender asks.
     */
    const jobs: { text: string; audio: AudioBuffer | null; playedBy: number | null; due: Promise<void> | null }[] = [];
    let wake: (() => void) | null = null;
    const notify = () => wake?.();
    let producing = true;
    let synthFailures = 0;

    let syntheses = 0;
    const startSynthesis = (text: string): AudioBuffer => {
      const audio = new AudioBuffer();
      const { tts } = this.d;
      const first = syntheses++ === 0;
      const askedAt = this.d.elapsed();
      void (async () => {
        for (let attempt = 0; attempt < 2; attempt++) {
          let gotAudio = false;
          try {
            for await (const ev of tts.synthesize(text, { voiceId: this.d.voice.voiceId, signal, ...(this.d.voice.voiceSettings ? { voiceSettings: this.d.voice.voiceSettings } : {}) })) {
              // Interrupted: the sender waits for this stream's end, so it ends here, whatever the vendor does.
              if (signal.aborted) break;
              if (ev.type === 'audio') {
                if (first && !gotAudio && t.ttsFirstByteMs === null) t.ttsFirstByteMs = this.d.elapsed() - askedAt;
                gotAudio = true;
                audio.push(ev.mulaw);
              } else this.d.usage('elevenlabs', 'tts_characters', ev.characters, tts.info.model);
            }
            if (signal.aborted) this.d.usage('elevenlabs', 'tts_characters', text.length, tts.info.model);
            return audio.end();
          } catch (err) {
            this.d.providerError('tts', err);
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
      jobs.push({ text, audio: jobs.length <= 1 ? startSynthesis(text) : null, playedBy: null, due: null });
      notify();
    };
    // When the audio handed to the line so far will have played (call time), as the line plays it: continuously,
    // resuming from now after a gap.
    let lineFreeAt = -Infinity;
    const toLine = (audio: Uint8Array) => {
      this.sendAudio(t, audio);
      lineFreeAt = Math.max(lineFreeAt, this.d.elapsed()) + audio.length / BYTES_PER_MS;
    };
    /**
     * Starts sentence `k`'s synthesis once sentence k−2 has played, so while k−1 plays (at once for the first two; an
     * interruption ends the wait and starts nothing): a vendor faster than real time would otherwise synthesise a
     * long answer far ahead of the caller, and every character of it is paid for, heard or not, when they cut in.
     */
    const synthesiseWhenDue = (k: number): Promise<void> => (jobs[k]!.due ??= (async () => {
      const by = k >= 2 ? jobs[k - 2]!.playedBy : null;
      const wait = by === null ? 0 : by - this.d.elapsed();
      if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
      const job = jobs[k]!;
      if (!job.audio && !signal.aborted) job.audio = startSynthesis(job.text);
    })());

    // The acknowledgement: only for an answer to the caller, only when no word of it has come by the deadline.
    let ackTimer: NodeJS.Timeout | null = null;
    if (fixedLine === null && callerEndedAt !== null && this.d.ackAfterMs > 0) {
      ackTimer = setTimeout(() => {
        if (t.firstTokenAtMs !== null || jobs.length > 0 || signal.aborted) return;
        t.acknowledged = true;
        this.d.metrics.acknowledged();
        addSentence(ACKNOWLEDGEMENT);
      }, Math.max(0, callerEndedAt + this.d.ackAfterMs - this.d.elapsed()));
    }

    // Producer: the LLM stream (or the fixed line) cut into sentences.
    let replyText = '';
    const produce = async () => {
      if (fixedLine !== null) {
        addSentence(fixedLine);
        replyText = fixedLine;
        return;
      }
      const chunker = new SentenceChunker({ minLength: 8 });
      const messages = this.d.conversation.messages();
      const { llm } = this.d;
      for (let attempt = 0; ; attempt++) {
        let gotText = false;
        // The first attempt reads the preemptive reply when the turn adopted one; a retry asks afresh.
        const source = attempt === 0 && answer?.adopted ? answer.adopted.adopt(signal) : llm.stream({ messages, signal });
        try {
          for await (const ev of source) {
            if (ev.type === 'text') {
              if (t.firstTokenAtMs === null) t.firstTokenAtMs = attempt === 0 && answer?.adopted?.firstTokenAtMs != null ? answer.adopted.firstTokenAtMs : this.d.elapsed();
              gotText = true;
              replyText += ev.delta;
              for (const s of chunker.push(ev.delta)) addSentence(s);
            } else {
              const { service, model } = ev.provider ?? llm.info;
              this.d.usage(service, 'llm_input_tokens', ev.promptTokens, model);
              this.d.usage(service, 'llm_output_tokens', ev.completionTokens, model);
            }
          }
          if (!signal.aborted) for (const s of chunker.flush()) addSentence(s);
          return;
        } catch (err) {
          this.d.providerError('llm', err);
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
        // Look-ahead of one: the next sentence's synthesis is due while this one plays.
        if (!job.audio) await synthesiseWhenDue(i);
        const audio = job.audio;
        if (signal.aborted || !audio) return;
        if (jobs[i + 1] && !jobs[i + 1]!.audio) void synthesiseWhenDue(i + 1);
        const mark = `t${turn}c${i}`;
        let carry = NO_BYTES;
        let started = false;
        try {
          // Each chunk goes out as the synthesis delivers it (see AudioBuffer); after an interruption none does.
          await audio.drain((bytes) => {
            if (signal.aborted) return;
            // Whole frames go to the line in one piece (it cuts them as it sends); a part frame waits for more.
            const all = carry.length ? concat(carry, bytes) : bytes;
            const whole = all.length - (all.length % FRAME_BYTES);
            if (whole > 0) {
              if (!started) {
                started = true;
                this.d.dispatch({ type: 'audio_sent', turn });
              }
              toLine(whole === all.length ? all : all.subarray(0, whole));
            }
            carry = whole < all.length ? all.slice(whole) : NO_BYTES;
          });
        } catch {
          if (!started) continue; // skipped sentence: nothing was queued, no mark needed
        }
        if (signal.aborted) return;
        if (carry.length > 0) {
          const last = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
          last.set(carry);
          if (!started) {
            started = true;
            this.d.dispatch({ type: 'audio_sent', turn });
          }
          toLine(last);
        }
        if (started) job.playedBy = lineFreeAt;
        if (!started) continue;
        t.chunks.push({ mark, text: job.text, heard: false });
        this.d.telephony.mark(mark);
        this.d.speaking(t.chunks.map((c) => c.text).join(' '));
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
      if (ackTimer) clearTimeout(ackTimer);
      notify();
    }
    await sender;
    if (signal.aborted || this.stopped) return;
    if (failed || (jobs.length > 0 && synthFailures === jobs.length)) {
      this.finishTurn(t, false);
      this.d.dispatch({ type: 'provider_failed', nowMs: this.d.elapsed() });
      return;
    }
    const endsCall = fixedLine === null && GOODBYE.test(replyText.split(/(?<=[.!?])\s+/).slice(-2).join(' '));
    t.allSent = true;
    this.completeIfPlayed(t);
    this.d.dispatch({ type: 'reply_done', turn, nowMs: this.d.elapsed(), endsCall });
  }

  /** A reply enters the conversation once all of it has played; an interruption keeps only what had played. */
  private completeIfPlayed(t: ActiveTurn): void {
    if (t.allSent && t.chunks.every((c) => c.heard)) this.finishTurn(t, true);
  }

  private sendAudio(t: ActiveTurn, audio: Uint8Array): void {
    if (t.firstFrameAtMs === null) {
      t.firstFrameAtMs = this.d.elapsed();
      if (t.callerEndedAt !== null) this.d.metrics.recordTurnLatency(t.firstFrameAtMs - t.callerEndedAt);
    }
    this.d.telephony.sendAudio(audio);
  }

  private reportLatency(t: ActiveTurn, interrupted: boolean): void {
    const turnEnd = t.timing?.turnEndMs ?? t.callerEndedAt!;
    const speechEnd = t.timing?.speechEndMs ?? turnEnd;
    this.d.turnLatency({
      turn: t.turn,
      sttFinalMs: msOrNull(t.timing ? turnEnd - speechEnd : null),
      llmFirstTokenMs: msOrNull(t.firstTokenAtMs === null ? null : t.firstTokenAtMs - turnEnd),
      ttsFirstByteMs: msOrNull(t.ttsFirstByteMs),
      voiceToVoiceMs: msOrNull(t.firstFrameAtMs === null ? null : t.firstFrameAtMs - speechEnd),
      interrupted,
      preemptive: t.preemptive,
      acknowledged: t.acknowledged,
      wastedLlmTokens: t.wastedTokens
    });
  }

  /** Records the turn in the conversation: everything sent, or (interrupted) only the sentences that played. */
  private finishTurn(t: ActiveTurn, complete: boolean): void {
    if (t.finished) return;
    t.finished = true;
    if (t.callerEndedAt !== null) this.reportLatency(t, !complete);
    const spoken = t.chunks.filter((c) => complete || c.heard).map((c) => c.text).join(' ').trim();
    if (!spoken) return;
    this.d.conversation.persona(spoken);
    this.d.spoken(spoken, t.firstFrameAtMs ?? this.d.elapsed(), this.d.elapsed(), !complete);
  }
}

/** Whole milliseconds, or null when the stage never happened in this turn. */
const msOrNull = (ms: number | null) => (ms === null ? null : Math.max(0, Math.round(ms)));

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
