// Stage: the turn runner. Speaks one assistant turn at a time: a fixed line, or the LLM's streamed answer cut into
// sentences; each sentence is synthesised (μ-law 8 kHz) and sent as 20 ms frames followed by a mark. The next
// sentence is synthesised while the current one is still being sent and played; audio goes out strictly in
// sentence order. A barge-in clears the line and aborts generation and synthesis, and the conversation keeps only
// the sentences whose marks came back (what the caller heard).
import { MULAW_SILENCE } from '../../core/src/mulaw.ts';
import type { Service, UsageKind } from '../../core/src/pricing.ts';
import { SentenceChunker } from '../../core/src/sentence_chunker.ts';
import { AudioBuffer } from './audio_buffer.ts';
import type { VoiceSettings } from './call_store.ts';
import { FIXED_LINES, type FixedLine } from './fixed_lines.ts';
import type { LlmConversation } from './llm_conversation.ts';
import type { RelayMetrics } from './metrics.ts';
import { ProviderError, type LanguageModel, type Telephony, type TextToSpeech } from './provider_contracts.ts';
import type { ReportProviderError } from './provider_error_report.ts';
import type { TurnEvent } from './turn_taking.ts';

const FRAME_BYTES = 160; // 20 ms of 8 kHz μ-law
const GOODBYE = /\b(good ?bye|bye)\b/i;

export interface TurnRunnerDeps {
  llm: LanguageModel;
  tts: TextToSpeech;
  telephony: Telephony;
  voice: { voiceId: string; voiceSettings?: VoiceSettings };
  conversation: LlmConversation;
  /** Further attempts at a turn whose LLM request failed before its first word. */
  llmMaxRetries: number;
  metrics: Pick<RelayMetrics, 'recordTurnLatency' | 'bargeIn'>;
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

interface ActiveTurn {
  turn: number;
  abort: AbortController;
  chunks: SpokenChunk[];
  /** Set when the caller's turn ended, to measure our response latency to the first frame. */
  callerEndedAt: number | null;
  firstFrameAtMs: number | null;
  /** Every sentence of the reply has been sent (or skipped). */
  allSent: boolean;
  finished: boolean;
}

export class TurnRunner {
  private current: ActiveTurn | null = null;
  private stopped = false;

  private readonly d: TurnRunnerDeps;

  constructor(d: TurnRunnerDeps) {
    this.d = d;
  }

  /** Answers the conversation so far; `callerText` is what the caller just said (null: the persona speaks first). */
  respond(turn: number, callerText: string | null): void {
    const callerEndedAt = callerText === null ? null : this.d.elapsed();
    if (callerText !== null) this.d.conversation.caller(callerText);
    void this.run(turn, null, callerEndedAt);
  }

  say(turn: number, line: FixedLine): void {
    void this.run(turn, FIXED_LINES[line], null);
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
    if (this.current) {
      this.current.abort.abort();
      this.finishTurn(this.current, false);
    }
  }

  private async run(turn: number, fixedLine: string | null, callerEndedAt: number | null): Promise<void> {
    const t: ActiveTurn = { turn, abort: new AbortController(), chunks: [], callerEndedAt, firstFrameAtMs: null, allSent: false, finished: false };
    this.current = t;
    const signal = t.abort.signal;
    const jobs: { text: string; audio: AudioBuffer | null }[] = [];
    let wake: (() => void) | null = null;
    const notify = () => wake?.();
    let producing = true;
    let synthFailures = 0;

    const startSynthesis = (text: string): AudioBuffer => {
      const audio = new AudioBuffer();
      const { tts } = this.d;
      void (async () => {
        for (let attempt = 0; attempt < 2; attempt++) {
          let gotAudio = false;
          try {
            for await (const ev of tts.synthesize(text, { voiceId: this.d.voice.voiceId, signal, ...(this.d.voice.voiceSettings ? { voiceSettings: this.d.voice.voiceSettings } : {}) })) {
              if (ev.type === 'audio') {
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
      const messages = this.d.conversation.messages();
      const { llm } = this.d;
      for (let attempt = 0; ; attempt++) {
        let gotText = false;
        try {
          for await (const ev of llm.stream({ messages, signal })) {
            if (ev.type === 'text') {
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
                this.d.dispatch({ type: 'audio_sent', turn });
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
            this.d.dispatch({ type: 'audio_sent', turn });
          }
          this.sendFrame(t, last);
        }
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

  private sendFrame(t: ActiveTurn, frame: Uint8Array): void {
    if (t.firstFrameAtMs === null) {
      t.firstFrameAtMs = this.d.elapsed();
      if (t.callerEndedAt !== null) this.d.metrics.recordTurnLatency(t.firstFrameAtMs - t.callerEndedAt);
    }
    this.d.telephony.sendAudio(frame);
  }

  /** Records the turn in the conversation: everything sent, or (interrupted) only the sentences that played. */
  private finishTurn(t: ActiveTurn, complete: boolean): void {
    if (t.finished) return;
    t.finished = true;
    const spoken = t.chunks.filter((c) => complete || c.heard).map((c) => c.text).join(' ').trim();
    if (!spoken) return;
    this.d.conversation.persona(spoken);
    this.d.spoken(spoken, t.firstFrameAtMs ?? this.d.elapsed(), this.d.elapsed(), !complete);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
