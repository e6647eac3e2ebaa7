// The four boundaries of a call, as small interfaces: what the call session needs from speech recognition, the
// language model, speech synthesis and the phone line. Adapters (one file per vendor) implement these, and
// providers.ts picks them from config; this file imports no adapter, so every adapter can import it without a cycle.
// Audio is always 8 kHz mono μ-law, the telephone network's format, so nothing on the call path resamples.
// Cancellation is an AbortSignal: aborting a turn must silence its stream promptly (barge-in depends on it).
import type { Service } from '../../core/src/pricing.ts';
import type { VoiceSettings } from './call_store.ts';

/** A vendor and model, as they appear on cost events. */
export interface ProviderInfo {
  readonly service: Service;
  readonly model: string;
}

/** A failure with the one decision the session needs: is another attempt worth it? */
export class ProviderError extends Error {
  readonly service: string;
  readonly retryable: boolean;
  readonly status: number | undefined;
  constructor(message: string, opts: { service: string; retryable: boolean; status?: number; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.name = 'ProviderError';
    this.service = opts.service;
    this.retryable = opts.retryable;
    this.status = opts.status;
  }
}

// ---- Speech to text (streaming) ----

export type SttEvent =
  /** Words so far in the current utterance; may change. */
  | { type: 'interim'; text: string }
  /** Settled words; `endOfTurn` when the speaker paused long enough to expect an answer. */
  | { type: 'final'; text: string; endOfTurn: boolean }
  /** The recogniser closed the stream on its side (idle, error); the session decides what to do. */
  | { type: 'closed'; error?: ProviderError };

export interface SttSession {
  /** μ-law bytes as they arrive from the caller. Never blocks. */
  sendAudio(mulaw: Uint8Array): void;
  /** Flushes the last words and closes; resolves with the seconds of audio streamed (what streaming STT bills). */
  close(): Promise<{ audioSeconds: number }>;
}

export interface SpeechToText {
  readonly info: ProviderInfo;
  open(opts: { onEvent: (e: SttEvent) => void; keyterms?: readonly string[] }): Promise<SttSession>;
}

// ---- Language model (streaming chat) ----

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type LlmEvent =
  | { type: 'text'; delta: string }
  /** `provider`: who produced (and bills) these tokens when it is not `info` (a fallback answered the turn). */
  | { type: 'usage'; promptTokens: number; completionTokens: number; provider?: ProviderInfo };

export interface LanguageModel {
  readonly info: ProviderInfo;
  /** Streams the reply; stops (without throwing) soon after `signal` aborts. */
  stream(req: { messages: readonly ChatMessage[]; signal: AbortSignal }): AsyncIterable<LlmEvent>;
  /** Opens the connection ahead of the first request (a token-free request), so no turn pays the handshake. */
  prewarm?(): void;
}

// ---- Text to speech (streaming, μ-law 8 kHz out) ----

export type TtsEvent =
  | { type: 'audio'; mulaw: Uint8Array }
  | { type: 'usage'; characters: number };

export interface TextToSpeech {
  readonly info: ProviderInfo;
  synthesize(text: string, opts: { voiceId: string; signal: AbortSignal; voiceSettings?: VoiceSettings | undefined }): AsyncIterable<TtsEvent>;
  /**
   * Keeps connections for this voice open and ready while a call lasts, so a sentence does not wait for a
   * handshake. Returns the release, called once when the call ends.
   */
  warm?(voice: { voiceId: string; voiceSettings?: VoiceSettings | undefined }): () => void;
}

// ---- Telephony (the caller's side of the line) ----

export interface Telephony {
  readonly info: ProviderInfo;
  /** Queues μ-law audio for the caller, in order; the bytes are kept as they are until sent, so they must not be reused. */
  sendAudio(mulaw: Uint8Array): void;
  /** Asks to be told (by `onMark`) when the audio queued so far has played. */
  mark(name: string): void;
  /** Drops audio queued but not yet played (barge-in); pending marks come back at once. */
  clear(): void;
  /** Ends the call from our side. */
  hangup(reason: string): void;
}

export interface Providers {
  stt: SpeechToText;
  llm: LanguageModel;
  tts: TextToSpeech;
}
