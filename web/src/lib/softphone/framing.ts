// The softphone's side of the relay's browser stream, in the Twilio Media Streams message format: a `start` that
// carries the call id and the user's access token, 20 ms μ-law `media` frames, `mark` echoes and a final `stop`.
import { decodeBase64, encodeBase64 } from '../../../../core/src/media_streams.ts';
import { encodeMulaw } from '../../../../core/src/mulaw.ts';
import { FRAME_MS, FRAME_SAMPLES } from './frame_chunker.ts';

export { FRAME_MS, FRAME_SAMPLES, FrameChunker } from './frame_chunker.ts';

/** A stream id in Twilio's shape (MZ + 32 hex digits); the relay only needs it to be unique per socket. */
export function newStreamSid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `MZ${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Builds every message the softphone sends, numbering them as Twilio does: one sequence over all messages, a chunk
 * counter over media frames and a timestamp in milliseconds of audio sent since the start.
 */
export class StreamWriter {
  readonly streamSid: string;
  readonly callId: string;
  private sequence = 0;
  private chunk = 0;

  constructor(callId: string, streamSid: string = newStreamSid()) {
    this.callId = callId;
    this.streamSid = streamSid;
  }

  private next(): string {
    this.sequence++;
    return String(this.sequence);
  }

  start(accessToken: string): string {
    return JSON.stringify({
      event: 'start',
      sequenceNumber: this.next(),
      streamSid: this.streamSid,
      start: {
        accountSid: 'browser',
        streamSid: this.streamSid,
        callSid: this.callId,
        tracks: ['inbound'],
        customParameters: { call_id: this.callId, access_token: accessToken },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 }
      }
    });
  }

  /** One 20 ms frame of 8 kHz 16-bit samples, μ-law encoded. */
  media(frame: Int16Array): string {
    if (frame.length !== FRAME_SAMPLES) throw new RangeError(`A media frame holds ${FRAME_SAMPLES} samples, not ${frame.length}`);
    const timestamp = this.chunk * FRAME_MS;
    this.chunk++;
    return JSON.stringify({
      event: 'media',
      sequenceNumber: this.next(),
      streamSid: this.streamSid,
      media: { track: 'inbound', chunk: String(this.chunk), timestamp: String(timestamp), payload: encodeBase64(encodeMulaw(frame)) }
    });
  }

  mark(name: string): string {
    return JSON.stringify({ event: 'mark', sequenceNumber: this.next(), streamSid: this.streamSid, mark: { name } });
  }

  stop(): string {
    return JSON.stringify({ event: 'stop', sequenceNumber: this.next(), streamSid: this.streamSid, stop: { accountSid: 'browser', callSid: this.callId } });
  }
}

export type RelayMessage =
  | { kind: 'media'; audio: Uint8Array }
  | { kind: 'mark'; name: string }
  | { kind: 'clear' };

/** What the relay sent, or null for anything the softphone does not act on (or cannot read). */
export function parseRelayMessage(text: unknown): RelayMessage | null {
  if (typeof text !== 'string') return null;
  let m: { event?: unknown; media?: { payload?: unknown }; mark?: { name?: unknown } };
  try {
    m = JSON.parse(text) as typeof m;
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object') return null;
  if (m.event === 'clear') return { kind: 'clear' };
  if (m.event === 'mark' && typeof m.mark?.name === 'string') return { kind: 'mark', name: m.mark.name };
  if (m.event === 'media' && typeof m.media?.payload === 'string') {
    try {
      return { kind: 'media', audio: decodeBase64(m.media.payload) };
    } catch {
      return null;
    }
  }
  return null;
}
