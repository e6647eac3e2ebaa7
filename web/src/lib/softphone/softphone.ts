// The demo-mode browser softphone: microphone → AudioWorklet (8 kHz frames) → μ-law → WebSocket to the relay's
// browser stream, and the persona's μ-law audio back out of the speakers, played in order, with marks echoed as
// their audio finishes. Browser-only; the pure parts live beside it with their tests.
import { decodeMulaw } from '../../../../core/src/mulaw.ts';
import { StreamWriter, parseRelayMessage } from './framing.ts';
import { MIC_PROCESSOR } from './mic_processor_name.ts';
import workletUrl from './mic_worklet.ts?worker&url';
import { PlaybackQueue } from './playback_queue.ts';
import { closeSentence, microphoneErrorSentence } from './sentences.ts';

export type SoftphoneState = 'idle' | 'connecting' | 'live' | 'ended';

export interface SoftphoneOptions {
  /** ws(s):// origin of the media relay. */
  relayUrl: string;
  callId: string;
  /** The signed-in user's current access token, or null when signed out. */
  accessToken: () => Promise<string | null>;
  onState: (state: SoftphoneState) => void;
  /** A sentence for the person; null clears the previous one. */
  onError: (sentence: string | null) => void;
}

const PLAYBACK_RATE = 8000;
const MARK_CHECK_MS = 20;
// The relay sends nothing to say a stream was admitted; it closes the socket at once when it refuses one (an Auth
// round trip). So the line counts as open at the persona's first audio, or once the socket has survived this long.
const ADMISSION_GRACE_MS = 1500;

export class Softphone {
  private readonly opts: SoftphoneOptions;
  private state: SoftphoneState = 'idle';
  private ws: WebSocket | null = null;
  private ctx: AudioContext | null = null;
  private mic: MediaStream | null = null;
  private worklet: AudioWorkletNode | null = null;
  private markTimer: ReturnType<typeof setInterval> | null = null;
  private admitTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly playing = new Set<AudioBufferSourceNode>();
  private queue = new PlaybackQueue();
  private writer: StreamWriter;
  private hungUp = false;

  constructor(opts: SoftphoneOptions) {
    this.opts = opts;
    this.writer = new StreamWriter(opts.callId);
  }

  private setState(s: SoftphoneState): void {
    this.state = s;
    this.opts.onState(s);
  }

  async connect(): Promise<void> {
    if (this.state === 'connecting' || this.state === 'live') return;
    this.hungUp = false;
    this.opts.onError(null);
    this.setState('connecting');
    try {
      const token = await this.opts.accessToken();
      if (!token) return this.fail('You are signed out. Sign in again to talk.');
      if (!navigator.mediaDevices?.getUserMedia) {
        return this.fail('This browser cannot use a microphone on this page. Open the app over https in a current browser.');
      }
      try {
        this.mic = await navigator.mediaDevices.getUserMedia({
          audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true }
        });
      } catch (err) {
        return this.fail(microphoneErrorSentence(err));
      }
      if (this.hungUp) return this.teardown();

      const ctx = new AudioContext({ latencyHint: 'interactive' });
      this.ctx = ctx;
      await ctx.audioWorklet.addModule(workletUrl);
      await ctx.resume();
      const source = ctx.createMediaStreamSource(this.mic);
      this.worklet = new AudioWorkletNode(ctx, MIC_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
      source.connect(this.worklet);
      // A node is only rendered while something downstream pulls it; its output is silence.
      this.worklet.connect(ctx.destination);

      this.writer = new StreamWriter(this.opts.callId);
      this.queue = new PlaybackQueue();
      const ws = new WebSocket(`${this.opts.relayUrl.replace(/\/+$/, '')}/browser/stream`);
      this.ws = ws;
      let opened = false;
      ws.onopen = () => {
        opened = true;
        ws.send(this.writer.start(token));
        this.admitTimer = setTimeout(() => this.admitted(), ADMISSION_GRACE_MS);
        this.worklet!.port.onmessage = (e: MessageEvent<Int16Array>) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(this.writer.media(e.data));
        };
        this.markTimer = setInterval(() => this.echoDueMarks(), MARK_CHECK_MS);
      };
      ws.onmessage = (e) => {
        this.admitted();
        this.onRelayMessage(e.data);
      };
      ws.onclose = (e) => {
        const sentence = this.hungUp ? null : closeSentence(e.code, e.reason);
        // A refusal or a drop leaves the call open on the relay's side: offer to connect again.
        this.teardown(sentence ? 'idle' : 'ended');
        if (sentence) this.opts.onError(opened ? sentence : 'The voice service could not be reached. Try connecting again in a moment.');
      };
    } catch {
      this.fail('The call audio could not be started in this browser. Reload the page and connect again.');
    }
  }

  /** Ends the call from this side: the relay hears `stop`, finishes the call and settles it. */
  hangUp(): void {
    this.hungUp = true;
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(this.writer.stop());
      ws.close(1000, 'hangup');
    } else if (ws && ws.readyState === WebSocket.CONNECTING) {
      ws.close();
    }
    this.teardown();
  }

  private admitted(): void {
    if (this.admitTimer) clearTimeout(this.admitTimer);
    this.admitTimer = null;
    if (this.state === 'connecting' && this.ws) this.setState('live');
  }

  private onRelayMessage(data: unknown): void {
    const msg = parseRelayMessage(data);
    const ctx = this.ctx;
    if (!msg || !ctx) return;
    if (msg.kind === 'media') {
      if (msg.audio.length === 0) return;
      const pcm = decodeMulaw(msg.audio);
      const buffer = ctx.createBuffer(1, pcm.length, PLAYBACK_RATE);
      const channel = buffer.getChannelData(0);
      for (let i = 0; i < pcm.length; i++) channel[i] = pcm[i]! / 32768;
      const node = ctx.createBufferSource();
      node.buffer = buffer;
      node.connect(ctx.destination);
      node.onended = () => this.playing.delete(node);
      this.playing.add(node);
      node.start(this.queue.enqueue(buffer.duration, ctx.currentTime));
    } else if (msg.kind === 'mark') {
      this.queue.mark(msg.name, ctx.currentTime);
      this.echoDueMarks();
    } else {
      for (const node of this.playing) {
        node.onended = null;
        node.stop();
      }
      this.playing.clear();
      for (const name of this.queue.clear(ctx.currentTime)) this.send(this.writer.mark(name));
    }
  }

  private echoDueMarks(): void {
    if (!this.ctx) return;
    for (const name of this.queue.due(this.ctx.currentTime)) this.send(this.writer.mark(name));
  }

  private send(text: string): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  private fail(sentence: string): void {
    this.teardown('idle');
    this.opts.onError(sentence);
  }

  private teardown(next: SoftphoneState = 'ended'): void {
    if (this.markTimer) clearInterval(this.markTimer);
    if (this.admitTimer) clearTimeout(this.admitTimer);
    this.markTimer = null;
    this.admitTimer = null;
    if (this.ws) {
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
      if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
      this.ws = null;
    }
    if (this.worklet) {
      this.worklet.port.onmessage = null;
      this.worklet.disconnect();
      this.worklet = null;
    }
    for (const t of this.mic?.getTracks() ?? []) t.stop();
    this.mic = null;
    for (const node of this.playing) node.onended = null;
    this.playing.clear();
    void this.ctx?.close().catch(() => undefined);
    this.ctx = null;
    if (this.state !== next) this.setState(next);
  }
}
