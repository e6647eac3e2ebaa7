// The caller's speech recognition for one call: opens the recogniser, forwards the line's audio, and reopens it once
// when the vendor closes the stream (a dropped socket should not end the call on its own). A second close, or a
// reopen that fails, is reported as a failure for the session to act on.
import type { Log } from '../../core/src/log_line.ts';
import type { RelayMetrics } from './metrics.ts';
import type { SpeechToText, SttEvent, SttSession } from './provider_contracts.ts';

export interface SpeechRecognitionDeps {
  stt: SpeechToText;
  keyterms: readonly string[];
  /** Words heard: interim and final. */
  onWords: (e: Exclude<SttEvent, { type: 'closed' }>) => void;
  /** Recognition is gone for good; `err` when a reopen failed. */
  onLost: (err?: unknown) => void;
  metrics: Pick<RelayMetrics, 'error' | 'vendorError'>;
  log: Log;
}

export class SpeechRecognition {
  private session: SttSession | null = null;
  private reopened = false;
  private closed = false;

  private readonly d: SpeechRecognitionDeps;

  constructor(d: SpeechRecognitionDeps) {
    this.d = d;
  }

  /** Opens the recogniser; rejects when it cannot (the call cannot hear the caller). */
  async open(): Promise<void> {
    const session = await this.d.stt.open({ onEvent: (e) => this.onEvent(e), keyterms: this.d.keyterms });
    // The call may have ended while a reopen was under way: the new stream is not wanted.
    if (this.closed) void session.close().catch(() => undefined);
    else this.session = session;
  }

  sendAudio(mulaw: Uint8Array): void {
    this.session?.sendAudio(mulaw);
  }

  private onEvent(e: SttEvent): void {
    if (this.closed) return;
    if (e.type !== 'closed') return this.d.onWords(e);
    this.d.metrics.error('stt');
    this.d.metrics.vendorError(this.d.stt.info.service);
    this.d.log('relay.stt.closed', { level: 'warn', vendor: this.d.stt.info.service, reopen: !this.reopened, ...(e.error ? { err: e.error } : {}) });
    this.session = null;
    if (this.reopened) return this.d.onLost();
    this.reopened = true;
    this.open().catch((err: unknown) => this.d.onLost(err));
  }

  /** Closes the stream: the seconds of audio it billed (`fallbackSeconds` if it cannot say; 0 with no stream open). */
  async close(fallbackSeconds: number): Promise<number> {
    this.closed = true;
    const session = this.session;
    this.session = null;
    if (!session) return 0;
    const { audioSeconds } = await session.close().catch(() => ({ audioSeconds: fallbackSeconds }));
    return audioSeconds;
  }
}
