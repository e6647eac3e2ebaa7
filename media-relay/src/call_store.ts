// Where a call's facts come from and where its transcript and costs go. The session only sees this interface;
// the in-memory store serves tests and benchmarks (RELAY_CALL_STORE=memory), the Postgres one everything else.
import type { ServiceRate, Service, UsageKind } from '../../core/src/pricing.ts';
import type { EndReason } from './turn_taking.ts';

export interface CallContext {
  callId: string;
  personaName: string;
  /** The persona's system prompt with the user's customisation and the scenario already applied. */
  systemPrompt: string;
  voiceId: string;
  /** Hard cap on this call (the same value Twilio got as TimeLimit). */
  maxDurationSeconds: number;
  /** What the user allowed this call to cost, in cents; null = no per-call cap. */
  budgetCents: number | null;
  /** At this share of the budget the persona starts wrapping up. */
  warnPercent: number;
  /** Phrases the caller is likely to say, passed to speech recognition as hints. */
  keyterms?: string[];
  /** phone: Twilio dials a number; browser: the user's browser, through Twilio's Voice SDK or the softphone stream. */
  mode?: 'phone' | 'browser';
  /** ElevenLabs voice_settings from the persona, overridden by the user's customisation. */
  voiceSettings?: VoiceSettings;
}

export interface VoiceSettings {
  stability: number;
  similarityBoost: number;
  style: number;
  speed: number;
}

/** What admission to a browser stream needs to know about a call before anything is opened for it. */
export interface CallOwnership {
  callId: string;
  userId: string;
  mode: 'phone' | 'browser';
  /** The call has reached a terminal status. */
  finished: boolean;
}

export interface TranscriptSegment {
  callId: string;
  seq: number;
  /** `user` is the person called (the column's vocabulary); `persona` the AI. */
  speaker: 'user' | 'persona';
  text: string;
  /** The persona was cut off: `text` holds only what was heard. */
  interrupted: boolean;
  /** Milliseconds since the stream started. */
  startMs: number;
  endMs: number;
}

export interface CostEvent {
  /** Unique per event; a retried insert with the same key is a no-op. */
  idempotencyKey: string;
  callId: string;
  service: Service;
  usage: UsageKind;
  quantity: number;
  billedQuantity: number;
  /** Exact decimal strings of US dollars. */
  costUsd: string;
  chargeUsd: string;
  model: string;
  occurredAt: string;
}

/** How fast one answer to the caller came, stage by stage (ms; null when the stage did not happen). */
export interface TurnLatency {
  callId: string;
  /** The persona's turn number in the call (unique per call). */
  turn: number;
  /** The caller's last sound -> their turn called over (the recogniser's final words, plus any wait for more). */
  sttFinalMs: number | null;
  /** Turn called over -> the LLM's first word (0 when a preemptive reply already had it). */
  llmFirstTokenMs: number | null;
  /** The first sentence sent to speech synthesis -> its first audio. */
  ttsFirstByteMs: number | null;
  /** The caller's last sound -> the first frame of the answer sent down the line. */
  voiceToVoiceMs: number | null;
  /** The caller cut the answer off. */
  interrupted: boolean;
  /** The answer was started before the turn was over (preemptive generation) and kept. */
  preemptive: boolean;
  /** A short acknowledgement played first because the answer was late. */
  acknowledged: boolean;
  /** LLM tokens spent on preemptive replies discarded during the caller's turn. */
  wastedLlmTokens: number;
}

/** Live, not-yet-final text for the call page (realtime broadcast `interim` on topic `call:<id>`). */
export interface InterimText {
  speaker: 'user' | 'persona';
  text: string;
}

export interface CallStore {
  loadCall(callId: string): Promise<CallContext | null>;
  /** Owner, mode and whether it has ended, for any call; null for an unknown id. */
  callOwnership(callId: string): Promise<CallOwnership | null>;
  /** A browser call's stream has started: the call is in progress. False when the call can no longer start. */
  startBrowserCall(callId: string): Promise<boolean>;
  /** Best effort and never persisted: the final segments are the record. */
  broadcastInterim(callId: string, interim: InterimText): Promise<void>;
  loadRates(): Promise<ServiceRate[]>;
  saveTranscript(segments: readonly TranscriptSegment[]): Promise<void>;
  saveCostEvents(events: readonly CostEvent[]): Promise<void>;
  /** Idempotent per (call, turn): a retried write of the same turn is a no-op. */
  saveTurnLatencies(rows: readonly TurnLatency[]): Promise<void>;
  /**
   * The media is over and its usage flushed. `mediaSeconds` is how long the stream ran: a browser call, which has
   * no telephone network to report its duration, is completed with it; then settlement is requested.
   */
  finishCall(callId: string, endReason: EndReason, mediaSeconds: number): Promise<void>;
}

/** Keeps everything in memory. Idempotent like the database: a repeated key or seq is ignored. */
export class InMemoryCallStore implements CallStore {
  readonly calls = new Map<string, CallContext>();
  readonly transcript: TranscriptSegment[] = [];
  readonly costEvents: CostEvent[] = [];
  readonly turnLatencies: TurnLatency[] = [];
  readonly finished = new Map<string, EndReason>();
  readonly owners = new Map<string, CallOwnership>();
  readonly browserStarted = new Set<string>();
  readonly durations = new Map<string, number>();
  readonly interims: (InterimText & { callId: string })[] = [];
  rates: ServiceRate[];

  constructor(opts: { calls?: CallContext[]; rates?: ServiceRate[] } = {}) {
    for (const c of opts.calls ?? []) this.calls.set(c.callId, c);
    this.rates = opts.rates ?? [];
  }

  async loadCall(callId: string): Promise<CallContext | null> {
    return this.calls.get(callId) ?? null;
  }

  async loadRates(): Promise<ServiceRate[]> {
    return this.rates;
  }

  async callOwnership(callId: string): Promise<CallOwnership | null> {
    const o = this.owners.get(callId);
    return o ? { ...o, finished: o.finished || this.finished.has(callId) } : null;
  }

  async startBrowserCall(callId: string): Promise<boolean> {
    const o = await this.callOwnership(callId);
    if (!o || o.mode !== 'browser' || o.finished) return false;
    this.browserStarted.add(callId);
    return true;
  }

  async broadcastInterim(callId: string, interim: InterimText): Promise<void> {
    this.interims.push({ callId, ...interim });
  }

  async saveTranscript(segments: readonly TranscriptSegment[]): Promise<void> {
    for (const s of segments) {
      if (!this.transcript.some((t) => t.callId === s.callId && t.seq === s.seq)) this.transcript.push(s);
    }
  }

  async saveCostEvents(events: readonly CostEvent[]): Promise<void> {
    for (const e of events) {
      if (!this.costEvents.some((c) => c.idempotencyKey === e.idempotencyKey)) this.costEvents.push(e);
    }
  }

  async saveTurnLatencies(rows: readonly TurnLatency[]): Promise<void> {
    for (const r of rows) {
      if (!this.turnLatencies.some((t) => t.callId === r.callId && t.turn === r.turn)) this.turnLatencies.push(r);
    }
  }

  async finishCall(callId: string, endReason: EndReason, mediaSeconds: number): Promise<void> {
    if (this.finished.has(callId)) return;
    this.finished.set(callId, endReason);
    this.durations.set(callId, mediaSeconds);
  }
}
