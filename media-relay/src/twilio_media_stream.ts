// The caller's side of a Twilio Media Streams WebSocket (bidirectional <Connect><Stream>): our audio goes out as
// base64 μ-law `media` frames, `mark` asks to be told when it has played, `clear` drops what is queued.
// Closing the socket ends the <Connect>, and with nothing after it in the TwiML, the call.
// Outbound audio is paced at the pace it plays: at most OUTBOUND_LEAD_MS of it ahead of real time (Twilio plays from
// its buffer, so that much lateness on our side goes unheard), the rest queued here and released by the process's
// one call clock, every call's line on the same 20 ms tick; frames our own lateness held back go out at once. Once
// audio is queued, only the ticks send it, so a line's frames keep one grid. A vendor that synthesises faster than
// real time then neither bursts onto the socket nor piles seconds of audio up at Twilio that a barge-in would have
// to clear. A queued frame is encoded when it is sent: what a barge-in clears is never encoded.
// Media frames, fifty a second, are written to the socket as whole WebSocket frames (media_frames.ts); the rare
// control messages go through the WebSocket. Deflate is off on this socket, so the library writes each message at
// once and the two kinds stay in order.
import type { Writable } from 'node:stream';
import WebSocket from 'ws';
import { clearMessage, markMessage } from '../../core/src/media_streams.ts';
import { MULAW_BYTES_PER_MS as BYTES_PER_MS, MULAW_FRAME_BYTES as FRAME_BYTES } from '../../core/src/mulaw.ts';
import { callClock, type CallClock } from './call_clock.ts';
import { mediaEnvelope } from './media_frames.ts';
import type { Telephony } from './provider_contracts.ts';

/** Above this much unsent data the line is stalled; more audio would only grow memory. */
const MAX_BUFFERED_BYTES = 2 * 1024 * 1024;
/** Audio sent ahead of its playing time at most. */
export const OUTBOUND_LEAD_MS = 200;
/**
 * Lateness on our side up to this much (a late tick, a process busy for a moment) is made up at once, so the audio
 * stays on its schedule; audio that comes later than this after the previous frame finished starts a new schedule
 * (the line had gone quiet: between replies, or a slow synthesis).
 */
export const CATCH_UP_MS = 1000;
const TICK_MS = 20;

export interface TelephonyPacing {
  clock?: CallClock;
  now?: () => number;
}

/**
 * `socket`: the WebSocket's own connection (the one its upgrade came on). `onDropped`: an audio frame was not sent,
 * because the line is stalled or already closed.
 */
export function twilioTelephony(ws: WebSocket, socket: Pick<Writable, 'write' | 'writableLength'>, streamSid: string, onStalled: () => void, onDropped: (reason: 'line_stalled' | 'socket_closed') => void = () => undefined, pacing: TelephonyPacing = {}): Telephony {
  const clock = pacing.clock ?? callClock;
  const now = pacing.now ?? (() => performance.now());
  const writable = (audio: boolean) => {
    if (ws.readyState !== WebSocket.OPEN) {
      if (audio) onDropped('socket_closed');
      return false;
    }
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      if (audio) onDropped('line_stalled');
      onStalled();
      return false;
    }
    return true;
  };
  // Built once per stream: a media frame is its envelope around the payload, written as bytes.
  const media = mediaEnvelope(streamSid);
  const clear = JSON.stringify(clearMessage(streamSid));

  // Audio as it was given (cut into 20 ms frames as it is sent) and marks, in order. A vendor's chunk stays one
  // object however many frames it holds: seconds of queued audio as one object per frame kept the collector busy.
  const queue: (Uint8Array | string)[] = [];
  let head = 0;
  /** Bytes of the audio at `head` already sent. */
  let sentOfHead = 0;
  /**
   * When the audio sent so far will have played; before any, never (a time of 0 would read as "just played" in a
   * process younger than CATCH_UP_MS, whose clock starts near 0, and let its first audio out beyond the lead).
   */
  let playedAt = -Infinity;
  let stopTicks: (() => void) | null = null;

  const sendMark = (name: string) => {
    if (writable(false)) ws.send(JSON.stringify(markMessage(streamSid, name)));
  };
  /**
   * Sends `audio` from `start`, a frame at a time, while a frame may play by `t` (every frame with `all`); returns
   * where it stopped.
   */
  const sendFrames = (audio: Uint8Array, start: number, t: number, all: boolean): number => {
    let at = start;
    while (at < audio.length && (all || mayPlayAt(t))) {
      const end = Math.min(at + FRAME_BYTES, audio.length);
      if (writable(true)) {
        const frame = media(audio, at, end);
        socket.write(frame);
        // Written through at once: the kernel has the bytes and the buffer can carry the line's next frame. Whatever
        // the socket still holds (a partial write, a slow peer) stays its own.
        if (socket.writableLength === 0) media.recycle(frame);
      }
      playedAt += (end - at) / BYTES_PER_MS;
      at = end;
    }
    return at;
  };
  /** After a quiet spell the audio starts a new schedule at `t` (see CATCH_UP_MS); true when a frame may go now. */
  const mayPlayAt = (t: number) => {
    if (playedAt < t - CATCH_UP_MS) playedAt = t;
    return playedAt - t < OUTBOUND_LEAD_MS;
  };
  const startTicks = () => {
    stopTicks ??= clock.every(TICK_MS, (at) => release(false, at));
  };
  /** Nothing queued: the line is off the clock. */
  const emptyQueue = () => {
    queue.length = 0;
    head = 0;
    sentOfHead = 0;
    stopTicks?.();
    stopTicks = null;
  };
  /**
   * Sends what has come due by `t`; with `all`, everything (the line is closing). On the clock's ticks `t` is the
   * tick's point on the clock's grid: with the time it ran, a tick a hair early would hold a frame back a whole tick
   * and the next would send two.
   */
  const release = (all = false, t = now()) => {
    if (ws.readyState !== WebSocket.OPEN) {
      // The line is gone: nothing queued will ever play (each frame of it is counted).
      for (let i = head; i < queue.length; i++) {
        const item = queue[i]!;
        if (typeof item === 'string') continue;
        const frames = Math.ceil((item.length - (i === head ? sentOfHead : 0)) / FRAME_BYTES);
        for (let f = 0; f < frames; f++) onDropped('socket_closed');
      }
      head = queue.length;
    }
    while (head < queue.length) {
      const item = queue[head]!;
      if (typeof item === 'string') sendMark(item);
      else {
        sentOfHead = sendFrames(item, sentOfHead, t, all);
        if (sentOfHead < item.length) break;
      }
      head++;
      sentOfHead = 0;
    }
    if (head < queue.length) startTicks();
    else emptyQueue();
  };

  return {
    info: { service: 'twilio', model: 'media-streams' },
    sendAudio: (mulaw) => {
      // With nothing queued, what may play now goes at once. Behind queued audio the rest waits for the ticks,
      // which keep the line's frames on one grid.
      if (head === queue.length) {
        const sent = sendFrames(mulaw, 0, now(), false);
        if (sent === mulaw.length) return;
        sentOfHead = sent;
      }
      queue.push(mulaw);
      startTicks();
    },
    mark: (name) => {
      if (head === queue.length) return sendMark(name);
      queue.push(name);
    },
    clear: () => {
      // What is still queued here never reached Twilio: it is dropped with what Twilio holds.
      emptyQueue();
      playedAt = now();
      if (writable(false)) ws.send(clear);
    },
    hangup: (reason) => {
      release(true);
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, reason.slice(0, 100));
    }
  };
}
