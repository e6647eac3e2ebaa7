// The simulated phone network behind the Twilio stand-in: rings the destination, fetches TwiML from the call's Url
// with a valid X-Twilio-Signature, posts signed status callbacks, enforces TimeLimit and ring Timeout, and connects
// the simulated callee to the Media Streams URL. Special destinations (fictional 555-01xx numbers, which pass the
// product's phone rules) give the outcomes Twilio's test numbers give.
import { connectCallee, DEFAULT_SCRIPT, type CalleeScript, type CalleeSession } from './callee.ts';
import { postSigned } from './callbacks.ts';
import { parseTwiml } from './twiml.ts';

export const SPECIAL_NUMBERS: Record<string, 'busy' | 'no-answer' | 'failed' | 'machine'> = {
  '+12025550110': 'busy',
  '+12025550111': 'no-answer',
  '+12025550112': 'failed',
  '+12025550113': 'machine'
};

export type TwilioCallStatus = 'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

export interface CallRecord {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  url: string;
  method: string;
  status: TwilioCallStatus;
  statusCallback?: string;
  statusCallbackEvents: string[];
  timeoutSec: number;
  timeLimitSec: number;
  machineDetection?: string;
  /** AsyncAmd=true: the TwiML is fetched at once and the verdict goes to asyncAmdStatusCallback later. */
  asyncAmd?: boolean;
  asyncAmdStatusCallback?: string;
  answeredBy?: string;
  dateCreated: Date;
  startTime?: Date;
  endTime?: Date;
  duration?: number;
  sequence: number;
  log: string[];
}

export interface CarrierOptions {
  authToken: string;
  log: (line: string) => void;
  scriptFor: (to: string) => CalleeScript | undefined;
  /** Scales ring delays (tests use small values). */
  ringMs: number;
}

const TERMINAL = new Set<TwilioCallStatus>(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

export class Carrier {
  readonly calls = new Map<string, CallRecord>();
  readonly #sessions = new Map<string, { callee?: CalleeSession; timers: NodeJS.Timeout[]; redirected?: boolean }>();
  readonly #opts: CarrierOptions;

  constructor(opts: CarrierOptions) {
    this.#opts = opts;
  }

  place(call: CallRecord): void {
    this.calls.set(call.sid, call);
    this.#sessions.set(call.sid, { timers: [] });
    this.#later(call, 0, () => this.#setStatus(call, 'initiated'));
    this.#later(call, this.#opts.ringMs, () => this.#ring(call));
  }

  #later(call: CallRecord, ms: number, fn: () => void | Promise<void>): void {
    const s = this.#sessions.get(call.sid);
    if (!s) return;
    s.timers.push(
      setTimeout(() => {
        Promise.resolve(fn()).catch((err) => this.#opts.log(`twilio stand-in: ${call.sid}: ${(err as Error).message}`));
      }, ms)
    );
  }

  async #ring(call: CallRecord): Promise<void> {
    if (TERMINAL.has(call.status)) return;
    await this.#setStatus(call, 'ringing');
    const outcome = SPECIAL_NUMBERS[call.to];
    if (outcome === 'busy') return this.#later(call, this.#opts.ringMs, () => this.#end(call, 'busy'));
    if (outcome === 'failed') return this.#later(call, this.#opts.ringMs, () => this.#end(call, 'failed'));
    if (outcome === 'no-answer') {
      return this.#later(call, Math.min(call.timeoutSec * 1000, this.#opts.ringMs * 4), () => this.#end(call, 'no-answer'));
    }
    this.#later(call, this.#opts.ringMs, () => this.#answer(call, outcome === 'machine'));
  }

  async #answer(call: CallRecord, machine: boolean): Promise<void> {
    if (TERMINAL.has(call.status)) return;
    call.startTime = new Date();
    await this.#setStatus(call, 'in-progress');
    this.#later(call, call.timeLimitSec * 1000, () => this.hangup(call.sid, 'time_limit'));
    if (call.machineDetection) {
      const verdict = machine ? 'machine_end_beep' : 'human';
      if (call.asyncAmd) {
        // Twilio decides while the call already runs its TwiML; a voicemail greeting takes a moment to end.
        this.#later(call, this.#opts.ringMs * (machine ? 2 : 1), async () => {
          if (TERMINAL.has(call.status)) return;
          call.answeredBy = verdict;
          call.log.push(`amd: ${verdict}`);
          if (!call.asyncAmdStatusCallback) return;
          await postSigned(call.asyncAmdStatusCallback, {
            AccountSid: call.accountSid, CallSid: call.sid, AnsweredBy: verdict, MachineDetectionDuration: '1200'
          }, this.#opts.authToken).catch((err: Error) => this.#opts.log(`twilio stand-in: AMD callback for ${call.sid} failed: ${err.message}`));
        });
      } else {
        // Synchronous detection: Twilio holds the TwiML request until it has a verdict and sends it along.
        call.answeredBy = verdict;
      }
    }
    const res = await postSigned(call.url, this.#params(call), this.#opts.authToken);
    const body = await res.text();
    if (!res.ok) {
      this.#opts.log(`twilio stand-in: ${call.sid}: TwiML fetch answered ${res.status}; the call fails as on Twilio (an application error is played)`);
      return this.hangup(call.sid, 'twiml_error');
    }
    const instructions = parseTwiml(body);
    const stream = instructions.find((i) => i.kind === 'stream');
    if (!stream || stream.kind !== 'stream') return this.hangup(call.sid, 'no_stream');
    const session = this.#sessions.get(call.sid)!;
    const script = machine
      ? { lines: [{ text: 'Hi, you have reached my voicemail. Please leave a message after the tone.' }], hangupAfterMs: 6000 }
      : this.#opts.scriptFor(call.to) ?? DEFAULT_SCRIPT;
    session.callee = connectCallee({
      url: stream.url,
      accountSid: call.accountSid,
      callSid: call.sid,
      parameters: stream.parameters,
      authToken: this.#opts.authToken,
      script,
      events: {
        said: (line) => call.log.push(`callee: ${line}`),
        cleared: () => call.log.push('stream: clear'),
        ended: (reason, detail) => {
          call.log.push(`stream ended: ${reason}${detail ? ` (${detail})` : ''}`);
          if (!session.redirected) void this.#end(call, 'completed');
        }
      }
    });
  }

  /** Ends a call from the carrier's side (REST update Status=completed, TimeLimit, errors). */
  hangup(callSid: string, why: string): void {
    const call = this.calls.get(callSid);
    if (!call || TERMINAL.has(call.status)) return;
    call.log.push(`hangup: ${why}`);
    const session = this.#sessions.get(callSid);
    if (call.status === 'in-progress' && session?.callee && !session.redirected) {
      session.callee.hangup('carrier_hangup');
    } else {
      void this.#end(call, call.status === 'in-progress' ? 'completed' : 'canceled');
    }
  }

  /**
   * REST update with `Twiml`: the call leaves what it is doing (a media stream is stopped, as Twilio sends `stop`)
   * and follows the new document: each <Say> takes a (shortened) speaking time, and the call ends when the document does.
   */
  redirect(callSid: string, xml: string): void {
    const call = this.calls.get(callSid);
    const session = this.#sessions.get(callSid);
    if (!call || !session || TERMINAL.has(call.status)) return;
    const instructions = parseTwiml(xml);
    call.log.push('redirected: new TwiML');
    if (call.status !== 'in-progress') return void this.#end(call, 'canceled');
    session.redirected = true;
    session.callee?.hangup('carrier_hangup');
    let at = 0;
    for (const i of instructions) {
      if (i.kind === 'say') {
        this.#later(call, at, () => void call.log.push(`say: ${i.text}`));
        at += Math.min(8000, i.text.length * 12);
      } else if (i.kind === 'hangup') {
        break;
      } else {
        call.log.push('redirected: <Stream> after a redirect is not simulated');
      }
    }
    this.#later(call, at, () => this.#end(call, 'completed'));
  }

  async #end(call: CallRecord, status: TwilioCallStatus): Promise<void> {
    if (TERMINAL.has(call.status)) return;
    call.endTime = new Date();
    call.duration = call.startTime ? Math.ceil((call.endTime.getTime() - call.startTime.getTime()) / 1000) : 0;
    const session = this.#sessions.get(call.sid);
    for (const t of session?.timers ?? []) clearTimeout(t);
    await this.#setStatus(call, status);
  }

  #params(call: CallRecord): Record<string, string> {
    const p: Record<string, string> = {
      AccountSid: call.accountSid, ApiVersion: '2010-04-01', CallSid: call.sid, CallStatus: call.status,
      Direction: 'outbound-api', From: call.from, To: call.to, Called: call.to, Caller: call.from
    };
    if (call.answeredBy) p.AnsweredBy = call.answeredBy;
    return p;
  }

  async #setStatus(call: CallRecord, status: TwilioCallStatus): Promise<void> {
    call.status = status;
    call.log.push(`status: ${status}`);
    const event = status === 'in-progress' ? 'answered' : TERMINAL.has(status) ? 'completed' : status;
    if (!call.statusCallback || !call.statusCallbackEvents.includes(event)) return;
    const params: Record<string, string> = {
      ...this.#params(call), SequenceNumber: String(call.sequence++), Timestamp: new Date().toUTCString(),
      CallbackSource: 'call-progress-events'
    };
    if (TERMINAL.has(status)) {
      params.CallDuration = String(call.duration ?? 0);
      params.Duration = String(Math.ceil((call.duration ?? 0) / 60));
    }
    // Twilio does not retry failed status callbacks by default; neither does the stand-in, it logs instead.
    const res = await postSigned(call.statusCallback, params, this.#opts.authToken).catch((err: Error) => err);
    if (res instanceof Error || !res.ok) {
      this.#opts.log(`twilio stand-in: status callback for ${call.sid} (${status}) failed: ${res instanceof Error ? res.message : res.status}`);
    }
  }

  close(): void {
    for (const [callSid, s] of this.#sessions) {
      for (const t of s.timers) clearTimeout(t);
      s.callee?.hangup('carrier_hangup');
      this.#sessions.delete(callSid);
    }
  }
}
