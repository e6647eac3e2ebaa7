// A Twilio Media Streams client for tests and benchmarks: it connects like Twilio's carrier, streams the caller's
// microphone as 20 ms μ-law frames at real-time pace (silence unless told to speak), plays what the relay sends at
// real-time rate, echoes each mark when the audio before it has played, and on `clear` drops queued audio and
// returns pending marks at once, as Twilio does.
import WebSocket from 'ws';

const FRAME = 160;
const SILENCE = 0xff;

export interface Outbound {
  event: string;
  streamSid?: string;
  media?: { payload: string };
  mark?: { name: string };
  /** performance.now() when it arrived. */
  at: number;
}

export class MediaStreamsTestClient {
  readonly ws: WebSocket;
  readonly received: Outbound[] = [];
  readonly streamSid: string;
  /** Resolves when the relay closes the socket. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private seq = 1;
  private chunk = 0;
  private startedAt = 0;
  private ticker: NodeJS.Timeout | null = null;
  private speaking: { audio: Uint8Array; pos: number; done: () => void } | null = null;
  private playQueueMs = 0;
  private readonly pendingMarks: { name: string; atMs: number }[] = [];
  private readonly listeners: ((m: Outbound) => void)[] = [];
  /** Echo marks as playback reaches them (true), or never (false: audio stays "unheard"). */
  echoMarks = true;
  /** Play our audio instantly: marks are echoed as soon as they arrive (benchmarks that measure the relay only). */
  instantPlayback = false;

  private constructor(ws: WebSocket, streamSid: string) {
    this.ws = ws;
    this.streamSid = streamSid;
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      this.stopLine();
      resolve({ code, reason: reason.toString() });
    }));
    ws.on('message', (data) => this.onMessage(String(data)));
  }

  static async connect(url: string, streamSid = `MZ${'0'.repeat(31)}1`, headers: Record<string, string> = {}): Promise<MediaStreamsTestClient> {
    const ws = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    ws.on('error', () => undefined);
    return new MediaStreamsTestClient(ws, streamSid);
  }

  sendRaw(data: string | Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  private send(msg: Record<string, unknown>): void {
    this.sendRaw(JSON.stringify({ ...msg, sequenceNumber: String(this.seq++) }));
  }

  /** `connected` then `start`, as Twilio opens a stream. */
  start(callSid: string, customParameters: Record<string, string>): void {
    this.sendRaw(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    this.send({
      event: 'start',
      streamSid: this.streamSid,
      start: {
        accountSid: `AC${'0'.repeat(32)}`,
        streamSid: this.streamSid,
        callSid,
        tracks: ['inbound'],
        customParameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 }
      }
    });
    this.startedAt = performance.now();
  }

  /** Starts the microphone: a frame every `intervalMs` (20 = real time), silence unless speaking. */
  startLine(intervalMs = 20): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tick(), intervalMs);
  }

  stopLine(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  /** Speaks `audio` over the line at real-time pace; resolves when the last frame has been sent. */
  speak(audio: Uint8Array): Promise<void> {
    this.startLine();
    return new Promise((done) => (this.speaking = { audio, pos: 0, done }));
  }

  sendMediaFrame(frame: Uint8Array): void {
    this.chunk++;
    this.send({
      event: 'media',
      streamSid: this.streamSid,
      media: { track: 'inbound', chunk: String(this.chunk), timestamp: String(this.chunk * 20), payload: Buffer.from(frame).toString('base64') }
    });
  }

  stop(): void {
    this.send({ event: 'stop', streamSid: this.streamSid, stop: { accountSid: `AC${'0'.repeat(32)}`, callSid: 'CA' } });
  }

  private nowMs(): number {
    return performance.now() - this.startedAt;
  }

  private tick(): void {
    let frame: Uint8Array;
    const s = this.speaking;
    if (s) {
      frame = new Uint8Array(FRAME).fill(SILENCE);
      frame.set(s.audio.subarray(s.pos, s.pos + FRAME));
      s.pos += FRAME;
      if (s.pos >= s.audio.length) {
        this.speaking = null;
        s.done();
      }
    } else frame = new Uint8Array(FRAME).fill(SILENCE);
    this.sendMediaFrame(frame);
    this.playQueueMs = Math.max(0, this.playQueueMs - 20);
    this.echoDueMarks();
  }

  private echoDueMarks(): void {
    if (!this.echoMarks) return;
    const t = this.nowMs();
    while (this.pendingMarks.length > 0 && this.pendingMarks[0]!.atMs <= t) {
      this.send({ event: 'mark', streamSid: this.streamSid, mark: { name: this.pendingMarks.shift()!.name } });
    }
  }

  private onMessage(text: string): void {
    const msg = { ...(JSON.parse(text) as Omit<Outbound, 'at'>), at: performance.now() };
    this.received.push(msg);
    const t = this.nowMs();
    if (msg.event === 'media' && msg.media) {
      if (!this.instantPlayback) this.playQueueMs += (Buffer.from(msg.media.payload, 'base64').length / 8000) * 1000;
    } else if (msg.event === 'mark' && msg.mark) {
      this.pendingMarks.push({ name: msg.mark.name, atMs: t + this.playQueueMs });
      if (this.instantPlayback) this.echoDueMarks();
    } else if (msg.event === 'clear') {
      this.playQueueMs = 0;
      while (this.pendingMarks.length > 0) this.send({ event: 'mark', streamSid: this.streamSid, mark: { name: this.pendingMarks.shift()!.name } });
    }
    for (const l of [...this.listeners]) l(msg);
  }

  /** The next outbound message (from now on) matching `pred`. */
  next(pred: (m: Outbound) => boolean, timeoutMs = 10_000): Promise<Outbound> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.splice(this.listeners.indexOf(l), 1);
        reject(new Error(`no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      const l = (m: Outbound) => {
        if (!pred(m)) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(l), 1);
        resolve(m);
      };
      this.listeners.push(l);
    });
  }

  /** Milliseconds of our audio queued at the "phone" and not yet played. */
  get queuedMs(): number {
    return this.playQueueMs;
  }

  close(): void {
    this.stopLine();
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
  }
}
