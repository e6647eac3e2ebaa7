// Where a call's facts come from and where its transcript and costs go. The session only sees this interface;
// the in-memory store serves tests and benchmarks (RELAY_CALL_STORE=memory), the Postgres one everything else.
import type { CallSummary } from '../../core/src/call_summary.ts';
import type { Service, UsageKind } from '../../core/src/pricing.ts';
import type { EndReason } from './turn_taking.ts';

export interface CallContext {
  callId: string;
  personaName: string;
  /** The persona's system prompt with the user's customisation and the scenario already applied. */
  systemPrompt: string;
  voiceId: string;
  /** Hard cap on this call (the same value Twilio got as TimeLimit). */
  maxDurationSeconds: number;
  /** The allowance's cut-off point: at this running charge, in cents, the call ends; null = nothing caps it. */
  cutoffCents: number | null;
  /** The allowance's warn point, in cents: the persona starts wrapping up; null = no warning. */
  warnCents: number | null;
  /** Phrases the caller is likely to say, passed to speech recognition as hints. */
  keyterms?: string[];
  /** phone: Twilio dials a number; browser: the user's browser, through Twilio's Voice SDK or the softphone stream. */
  mode?: 'phone' | 'browser';
  /** ElevenLabs voice_settings from the persona, overridden by the user's customisation. */
  voiceSettings?: VoiceSettings;
  /** The persona remembers this user: the call is summarised when it ends. Absent means off. */
  memoryEnabled?: boolean;
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

/** One usage report: a quantity, never a price (the database prices it when it is recorded). */
export interface UsageReport {
  /** Unique per report; a retried report with the same key is not counted twice. */
  key: string;
  service: Service;
  usage: UsageKind;
  /** Seconds (to the millisecond), tokens or characters. */
  quantity: number;
  model: string;
  occurredAt: string;
}

/** The call's running charge and its allowance's points, in cents, as the database answers them. */
export interface RunningCharge {
  /** Usage recorded so far with markup (sub-cent), the line included until Twilio reports its minutes. */
  chargeCents: number;
  warnCents: number | null;
  cutoffCents: number | null;
  /** Reports recorded without a price in force (logged; they cost nothing). */
  unpriced: number;
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
  saveTranscript(segments: readonly TranscriptSegment[]): Promise<void>;
  /** Records usage reports (idempotent by key) and answers the running charge with `lineSeconds` of line so far. */
  recordUsage(callId: string, reports: readonly UsageReport[], lineSeconds: number): Promise<RunningCharge>;
  /**
   * Keeps the call's summary and facts, once per call, unless the user has turned memory off for the persona since
   * the call began (then nothing is kept). Returns what happened, for the log.
   */
  saveCallSummary(callId: string, summary: CallSummary): Promise<string>;
  /** Idempotent per (call, turn): a retried write of the same turn is a no-op. */
  saveTurnLatencies(rows: readonly TurnLatency[]): Promise<void>;
  /**
   * The media is over and its usage flushed. `mediaSeconds` is how long the stream ran: a browser call, which has
   * no telephone network to report its duration, is completed with it; then settlement is requested.
   */
  finishCall(callId: string, endReason: EndReason, mediaSeconds: number): Promise<void>;
  /**
   * Calls `onEnded` with the id of every call that ends outside the relay (cancelled in the app, hung up, failed)
   * while its media may still run, for as long as the watch is open; `liveCalls` are the calls this relay carries,
   * checked again whenever the watch had to reconnect (what ended meanwhile was not heard). Absent: nothing tells.
   */
  watchEndedCalls?(onEnded: (callId: string) => void, liveCalls: () => string[]): EndedCallsWatch;
}

export interface EndedCallsWatch {
  close(): Promise<void>;
}

/** Keeps everything in memory. Idempotent like the database: a repeated key or seq is ignored. */
export class InMemoryCallStore implements CallStore {
  readonly calls = new Map<string, CallContext>();
  readonly transcript: TranscriptSegment[] = [];
  readonly usage: (UsageReport & { callId: string })[] = [];
  readonly lineSeconds = new Map<string, number>();
  readonly turnLatencies: TurnLatency[] = [];
  readonly finished = new Map<string, EndReason>();
  readonly owners = new Map<string, CallOwnership>();
  readonly browserStarted = new Set<string>();
  readonly durations = new Map<string, number>();
  readonly interims: (InterimText & { callId: string })[] = [];
  readonly summaries = new Map<string, CallSummary>();
  /** What a report charges, in cents (tests set it; by default usage costs nothing here: nothing is settled). */
  chargeOf: (report: UsageReport) => number;

  constructor(opts: { calls?: CallContext[]; chargeOf?: (report: UsageReport) => number } = {}) {
    for (const c of opts.calls ?? []) this.calls.set(c.callId, c);
    this.chargeOf = opts.chargeOf ?? (() => 0);
  }

  async loadCall(callId: string): Promise<CallContext | null> {
    return this.calls.get(callId) ?? null;
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

  async recordUsage(callId: string, reports: readonly UsageReport[], lineSeconds: number): Promise<RunningCharge> {
    for (const r of reports) {
      if (!this.usage.some((u) => u.key === r.key)) this.usage.push({ ...r, callId });
    }
    this.lineSeconds.set(callId, lineSeconds);
    const call = this.calls.get(callId);
    const chargeCents = this.usage.filter((u) => u.callId === callId).reduce((sum, u) => sum + this.chargeOf(u), 0);
    return { chargeCents, warnCents: call?.warnCents ?? null, cutoffCents: call?.cutoffCents ?? null, unpriced: 0 };
  }

  async saveCallSummary(callId: string, summary: CallSummary): Promise<string> {
    if (this.summaries.has(callId)) return 'already_stored';
    this.summaries.set(callId, summary);
    return 'stored';
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
