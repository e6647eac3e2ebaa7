// A browser call through Twilio's Voice SDK: an Access Token for this call from browser-call-token, then the SDK's
// Device places a call to our TwiML App carrying the call id, and Twilio connects it to the media relay like a phone
// call. The SDK is loaded with a dynamic import only when a call starts, so it never weighs on any other page.
// Microphone, echo cancellation and audio playback are the SDK's (WebRTC).
import { invokeFunction, type ApiFailure, type Invoked } from '../api_errors.ts';

export type TwilioCallState = 'idle' | 'connecting' | 'live' | 'ended';

/** The slice of the SDK's Call this module uses (tests pass a fake). */
export interface VoiceCall {
  on(event: string, listener: (...args: any[]) => void): unknown;
  mute(shouldMute?: boolean): void;
  isMuted(): boolean;
  disconnect(): void;
}

/** The slice of the SDK's Device this module uses. */
export interface VoiceDevice {
  connect(options?: { params?: Record<string, string> }): Promise<VoiceCall>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  destroy(): void;
}

export type VoiceDeviceConstructor = new (token: string, options?: { closeProtection?: boolean }) => VoiceDevice;

/** Loads the SDK on demand; its chunk is fetched the first time a Twilio browser call starts. */
export async function loadTwilioDevice(): Promise<VoiceDeviceConstructor> {
  const { Device } = await import('@twilio/voice-sdk');
  const ctor: VoiceDeviceConstructor = Device;
  return ctor;
}

/** Asks browser-call-token for this call's Access Token; failures come back with a sentence for their code. */
export function tokenFetcher(client: Parameters<typeof invokeFunction>[0], callId: string): () => Promise<Invoked<{ token: string }>> {
  return () => invokeFunction<{ token: string }>(client, 'browser-call-token', { call_id: callId });
}

export interface TwilioCallOptions {
  callId: string;
  /** browser-call-token for this call (invokeFunction: failures come back as sentences by code). */
  fetchToken: () => Promise<Invoked<{ token: string }>>;
  loadDevice?: () => Promise<VoiceDeviceConstructor>;
  onState: (state: TwilioCallState) => void;
  /** A sentence for the person; null clears the previous one. */
  onError: (sentence: string | null) => void;
  onMuted?: (muted: boolean) => void;
}

const SENTENCES = {
  sdk_unavailable: 'The calling component could not be loaded. Check your connection and reload the page.',
  microphone_denied: 'Your browser blocked the microphone. Allow microphone access for this site, then connect again.',
  microphone_unavailable: 'No microphone could be opened. Plug one in or close other apps using it, then connect again.',
  token_rejected: 'Your call pass was not accepted. Reload the page and connect again.',
  network: 'We could not reach the calling service. Check your connection and try again.',
  declined: 'The call could not be connected. It may have ended already; reload the page to see its status.',
  generic: 'The call ran into a problem. Try again in a moment.'
} as const;

/** The SDK's error codes (TwilioError.code) as sentences a person can act on. */
export function voiceErrorSentence(err: unknown): string {
  const code = Number((err as { code?: unknown } | null)?.code);
  if (code === 31401 || code === 31208) return SENTENCES.microphone_denied;
  if (code === 31402) return SENTENCES.microphone_unavailable;
  if ([20101, 20104, 31201, 31202, 31204, 31205, 31207].includes(code)) return SENTENCES.token_rejected;
  if ([31003, 31005, 31009, 53000, 53001, 53405].includes(code)) return SENTENCES.network;
  if ([31002, 31480, 31486, 31603, 31404].includes(code)) return SENTENCES.declined;
  // getUserMedia's own errors, when they reach us without a Twilio code.
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'NotAllowedError') return SENTENCES.microphone_denied;
  if (name === 'NotFoundError' || name === 'NotReadableError') return SENTENCES.microphone_unavailable;
  return SENTENCES.generic;
}

export class TwilioBrowserCall {
  private readonly opts: TwilioCallOptions;
  private state: TwilioCallState = 'idle';
  private device: VoiceDevice | null = null;
  private call: VoiceCall | null = null;
  /** Bumped by hangUp: a connect still on its way is abandoned. */
  private attempt = 0;
  private errorShown = false;

  constructor(opts: TwilioCallOptions) {
    this.opts = opts;
  }

  get current(): TwilioCallState {
    return this.state;
  }

  private setState(s: TwilioCallState): void {
    this.state = s;
    this.opts.onState(s);
  }

  private fail(sentence: string): void {
    this.errorShown = true;
    this.opts.onError(sentence);
  }

  async connect(): Promise<void> {
    if (this.state === 'connecting' || this.state === 'live') return;
    const attempt = ++this.attempt;
    this.errorShown = false;
    this.opts.onError(null);
    this.setState('connecting');

    const token = await this.opts.fetchToken();
    if (attempt !== this.attempt) return;
    if (!token.ok) return this.giveUp(token.error);

    let Device: VoiceDeviceConstructor;
    try {
      Device = await (this.opts.loadDevice ?? loadTwilioDevice)();
    } catch {
      if (attempt === this.attempt) this.giveUp({ code: 'sdk_unavailable', message: SENTENCES.sdk_unavailable });
      return;
    }
    if (attempt !== this.attempt) return;

    const device = new Device(token.data.token, { closeProtection: true });
    this.device = device;
    device.on('error', (err: unknown) => {
      if (this.device === device) this.fail(voiceErrorSentence(err));
    });
    let call: VoiceCall;
    try {
      // The token's grant carries the call id too; the TwiML App only believes it for the identity's own call.
      call = await device.connect({ params: { call_id: this.opts.callId } });
    } catch (err) {
      if (attempt !== this.attempt) return;
      this.teardown();
      return this.giveUp({ code: 'voice_error', message: voiceErrorSentence(err) });
    }
    if (attempt !== this.attempt) {
      call.disconnect();
      return;
    }
    this.call = call;
    // Events of a call we already let go of (hung up here) change nothing.
    const ours = () => this.call === call;
    call.on('accept', () => ours() && this.setState('live'));
    call.on('error', (err: unknown) => ours() && this.fail(voiceErrorSentence(err)));
    call.on('mute', (muted: boolean) => ours() && this.opts.onMuted?.(muted));
    const closed = () => {
      if (!ours()) return;
      const wasLive = this.state === 'live';
      this.teardown();
      if (!wasLive && !this.errorShown) this.fail(SENTENCES.declined);
      this.setState('ended');
    };
    call.on('disconnect', closed);
    call.on('cancel', closed);
    call.on('reject', closed);
  }

  /** Turns the microphone off or on; returns whether it is now muted. */
  toggleMute(): boolean {
    if (!this.call) return false;
    const next = !this.call.isMuted();
    this.call.mute(next);
    this.opts.onMuted?.(next);
    return next;
  }

  /** Ends the call (or the attempt to place it). Before the SDK was even started there is nothing to end. */
  hangUp(): void {
    this.attempt++;
    const call = this.call;
    const started = this.device !== null;
    this.call = null;
    call?.disconnect();
    this.teardown();
    if (this.state === 'live' || (this.state === 'connecting' && started)) this.setState('ended');
    else if (this.state === 'connecting') this.setState('idle');
  }

  private giveUp(error: ApiFailure): void {
    this.fail(error.message);
    this.setState('idle');
  }

  private teardown(): void {
    const device = this.device;
    this.call = null;
    this.device = null;
    device?.destroy();
  }
}
