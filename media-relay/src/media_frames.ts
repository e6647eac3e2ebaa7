// The per-frame path of a Twilio Media Stream without per-frame garbage beyond the audio itself: 50 frames a second
// each way on every call. Inbound, a `media` message is recognised by its prefix and its payload decoded from the
// socket's bytes (no JSON.parse, no string of the payload); anything unusual falls back to the full parser.
// Outbound, a frame is written as bytes into one buffer: its WebSocket header, then a JSON envelope built once per
// stream around the base64 of the audio, encoded straight from the μ-law bytes.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENCODE = new Uint8Array(64);
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  ENCODE[i] = ALPHABET.charCodeAt(i);
  DECODE[ALPHABET.charCodeAt(i)] = i;
}
const PAD = 0x3d; // '='

export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** Writes the base64 of `src[start, end)` into `out` at `at`; returns where it ended. */
export function encodeBase64Into(src: Uint8Array, out: Uint8Array, at: number, start = 0, end = src.length): number {
  let o = at;
  let i = start;
  for (; i + 2 < end; i += 3) {
    const n = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
    out[o++] = ENCODE[n >>> 18]!;
    out[o++] = ENCODE[(n >>> 12) & 63]!;
    out[o++] = ENCODE[(n >>> 6) & 63]!;
    out[o++] = ENCODE[n & 63]!;
  }
  const rest = end - i;
  if (rest > 0) {
    const n = (src[i]! << 16) | (rest === 2 ? src[i + 1]! << 8 : 0);
    out[o++] = ENCODE[n >>> 18]!;
    out[o++] = ENCODE[(n >>> 12) & 63]!;
    out[o++] = rest === 2 ? ENCODE[(n >>> 6) & 63]! : PAD;
    out[o++] = PAD;
  }
  return o;
}

/** The bytes of the base64 text `src[start, end)`, or null when it is not valid base64. */
export function decodeBase64Bytes(src: Uint8Array, start: number, end: number): Buffer | null {
  const len = end - start;
  if (len % 4 !== 0) return null;
  let pad = 0;
  if (len > 0 && src[end - 1] === PAD) pad = src[end - 2] === PAD ? 2 : 1;
  const out = Buffer.allocUnsafe((len / 4) * 3 - pad);
  // Whole groups of four without a check per byte: a character outside the alphabet decodes to -1, which makes
  // its group negative, and one check of all the groups' bits at the end catches it.
  const whole = pad ? end - 4 : end;
  let o = 0;
  let bits = 0;
  for (let i = start; i < whole; i += 4) {
    const n = (DECODE[src[i]!]! << 18) | (DECODE[src[i + 1]!]! << 12) | (DECODE[src[i + 2]!]! << 6) | DECODE[src[i + 3]!]!;
    bits |= n;
    out[o] = n >>> 16;
    out[o + 1] = n >>> 8;
    out[o + 2] = n;
    o += 3;
  }
  if (bits < 0) return null;
  if (pad) {
    const a = DECODE[src[whole]!]!;
    const b = DECODE[src[whole + 1]!]!;
    const c = pad === 2 ? 0 : DECODE[src[whole + 2]!]!;
    if ((a | b | c) < 0) return null;
    const n = (a << 18) | (b << 12) | (c << 6);
    out[o] = n >>> 16;
    if (pad === 1) out[o + 1] = n >>> 8;
  }
  return out;
}

/** The WebSocket header of an unmasked text frame (RFC 6455 §5.2) carrying `length` bytes: 2, 4 or 10 bytes. */
function textFrameHeaderLength(length: number): number {
  return length < 126 ? 2 : length < 65536 ? 4 : 10;
}

function writeTextFrameHeader(out: Buffer, length: number): void {
  out[0] = 0x81; // FIN, opcode 1 (text)
  if (length < 126) out[1] = length;
  else if (length < 65536) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(length, 6);
  }
}

/** Outbound `media` frames for one stream (see mediaEnvelope). */
export interface MediaEnvelope {
  (mulaw: Uint8Array, start?: number, end?: number): Buffer;
  /**
   * The socket took all of `frame` (nothing of it is left queued): the next frame of the same size is written into
   * it, rather than into a new buffer.
   */
  recycle(frame: Buffer): void;
}

/**
 * Outbound `media` frames for one stream, as whole WebSocket frames ready for the socket: the text frame's header,
 * then `{"event":"media","streamSid":…,"media":{"payload":"<base64>"}}` around `mulaw[start, end)`. One buffer, one
 * write: through the WebSocket library a frame is a header and a payload gathered by a second write. A line's frames
 * are almost all 20 ms long, so one recycled buffer serves frame after frame while the socket keeps up.
 */
export function mediaEnvelope(streamSid: string): MediaEnvelope {
  const head = Buffer.from(`{"event":"media","streamSid":${JSON.stringify(streamSid)},"media":{"payload":"`);
  const tail = Buffer.from('"}}');
  let spare: Buffer | null = null;
  const frame = (mulaw: Uint8Array, start = 0, end = mulaw.length): Buffer => {
    const length = head.length + base64Length(end - start) + tail.length;
    const at = textFrameHeaderLength(length);
    const out = spare !== null && spare.length === at + length ? spare : null;
    spare = null;
    // A recycled frame of the same size already holds the header and the envelope: only the audio changes.
    if (out !== null) {
      encodeBase64Into(mulaw, out, at + head.length, start, end);
      return out;
    }
    const fresh = Buffer.allocUnsafe(at + length);
    writeTextFrameHeader(fresh, length);
    head.copy(fresh, at);
    tail.copy(fresh, encodeBase64Into(mulaw, fresh, at + head.length, start, end));
    return fresh;
  };
  return Object.assign(frame, { recycle: (written: Buffer) => void (spare = written) });
}

export interface InboundMedia {
  track: 'inbound' | 'outbound';
  /** ms since the stream started, as Twilio stamps it. */
  timestamp: number;
  mulaw: Buffer;
}

const MEDIA_PREFIX = Buffer.from('{"event":"media",');
const QUOTE = 0x22;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const CLOSE_BRACE = 0x7d;

const INBOUND = Buffer.from('inbound');
const OUTBOUND = Buffer.from('outbound');
const KEY = {
  track: Buffer.from('track'), chunk: Buffer.from('chunk'), timestamp: Buffer.from('timestamp'), streamSid: Buffer.from('streamSid'),
  payload: Buffer.from('payload'), sequenceNumber: Buffer.from('sequenceNumber')
};

/** Byte by byte: these words are a few bytes long, where a call into the native compare costs more than it saves. */
function bytesEqual(buf: Buffer, start: number, end: number, word: Buffer): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[start + i] !== word[i]) return false;
  return true;
}

/** The index of the quote closing the string whose text starts at `from`, or -1 (none, or an escape in it). */
function stringEnd(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length; i++) {
    const c = buf[i];
    if (c === QUOTE) return i;
    if (c === BACKSLASH) return -1;
  }
  return -1;
}

/**
 * A Twilio `media` message read straight from its bytes, when it has Twilio's shape (event first; track, timestamp
 * and payload as strings without escapes). Null for anything else, which then goes through the full parser.
 * One pass over the bytes finds every `"key":"value"` pair: a search per key cost a native call each.
 */
export function readMediaFrame(buf: Buffer): InboundMedia | null {
  if (buf.length < MEDIA_PREFIX.length || !bytesEqual(buf, 0, MEDIA_PREFIX.length, MEDIA_PREFIX)) return null;
  // The rest must close the message, as JSON would require.
  if (buf[buf.length - 1] !== CLOSE_BRACE) return null;
  let trackStart = -1, trackEnd = -1, tsStart = -1, tsEnd = -1, payloadStart = -1, payloadEnd = -1;
  let sequenceNumber = false, streamSid = false, chunk = false;
  for (let i = MEDIA_PREFIX.length; i < buf.length; i++) {
    const c = buf[i];
    if (c === BACKSLASH) return null; // an escape somewhere: leave it to JSON.parse
    if (c !== QUOTE) continue;
    const keyStart = i + 1;
    const keyEnd = stringEnd(buf, keyStart);
    if (keyEnd < 0) return null;
    i = keyEnd;
    if (buf[keyEnd + 1] !== COLON || buf[keyEnd + 2] !== QUOTE) continue; // not a key with a string value
    const start = keyEnd + 3;
    // The payload is two thirds of the message: its end is found natively, and an escape in it cannot pass for
    // audio, since a backslash is not base64 and its decoding fails.
    const isPayload = payloadStart < 0 && bytesEqual(buf, keyStart, keyEnd, KEY.payload);
    const end = isPayload ? buf.indexOf(QUOTE, start) : stringEnd(buf, start);
    if (end < 0) return null;
    i = end;
    if (isPayload) {
      payloadStart = start;
      payloadEnd = end;
    } else if (trackStart < 0 && bytesEqual(buf, keyStart, keyEnd, KEY.track)) {
      trackStart = start;
      trackEnd = end;
    } else if (tsStart < 0 && bytesEqual(buf, keyStart, keyEnd, KEY.timestamp)) {
      tsStart = start;
      tsEnd = end;
    } else if (bytesEqual(buf, keyStart, keyEnd, KEY.sequenceNumber)) sequenceNumber = true;
    else if (bytesEqual(buf, keyStart, keyEnd, KEY.streamSid)) streamSid = true;
    else if (bytesEqual(buf, keyStart, keyEnd, KEY.chunk)) chunk = true;
  }
  if (trackStart < 0 || tsStart < 0 || payloadStart < 0 || !sequenceNumber || !streamSid || !chunk) return null;
  const track = bytesEqual(buf, trackStart, trackEnd, INBOUND) ? 'inbound' : bytesEqual(buf, trackStart, trackEnd, OUTBOUND) ? 'outbound' : null;
  if (!track) return null;
  let timestamp = 0;
  if (tsEnd - tsStart < 1 || tsEnd - tsStart > 15) return null;
  for (let i = tsStart; i < tsEnd; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return null;
    timestamp = timestamp * 10 + d;
  }
  const mulaw = decodeBase64Bytes(buf, payloadStart, payloadEnd);
  if (!mulaw || mulaw.length === 0) return null;
  return { track, timestamp, mulaw };
}
