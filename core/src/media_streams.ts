// Twilio Media Streams wire format (bidirectional `<Connect><Stream>`). The relay receives these frames from
// Twilio's carrier and, in demo mode, from the browser softphone, which speaks the same format.
//
// All frames are JSON text. Twilio sends numeric-looking fields (sequenceNumber, chunk, timestamp) as strings,
// so the types keep them as strings; `parseInboundMessage` guarantees they hold whole decimal numbers.

import { appError, fail, ok, type AppError, type Result } from './errors.ts';

export interface ConnectedMessage {
  readonly event: 'connected';
  readonly protocol: string;
  readonly version: string;
}

export interface MediaFormat {
  readonly encoding: string; // "audio/x-mulaw"
  readonly sampleRate: number; // 8000
  readonly channels: number; // 1
}

export interface StartMessage {
  readonly event: 'start';
  readonly sequenceNumber: string;
  readonly streamSid: string;
  readonly start: {
    readonly accountSid: string;
    readonly streamSid: string;
    readonly callSid: string;
    readonly tracks: readonly string[];
    /** The `<Parameter>`s of the TwiML `<Stream>`: call id, single-use stream token. */
    readonly customParameters: Readonly<Record<string, string>>;
    readonly mediaFormat: MediaFormat;
  };
}

export interface InboundMediaMessage {
  readonly event: 'media';
  readonly sequenceNumber: string;
  readonly streamSid: string;
  readonly media: {
    readonly track: 'inbound' | 'outbound';
    /** Counts per track from "1". */
    readonly chunk: string;
    /** Milliseconds since the stream started: the clock for "how much of our audio has played". */
    readonly timestamp: string;
    /** Base64 of raw μ-law 8 kHz mono, no header. */
    readonly payload: string;
  };
}

export interface InboundMarkMessage {
  readonly event: 'mark';
  readonly sequenceNumber: string;
  readonly streamSid: string;
  /** Echo of a mark we sent: the audio before it has played, or a `clear` discarded it. */
  readonly mark: { readonly name: string };
}

export interface StopMessage {
  readonly event: 'stop';
  readonly sequenceNumber: string;
  readonly streamSid: string;
  readonly stop: { readonly accountSid: string; readonly callSid: string };
}

export interface DtmfMessage {
  readonly event: 'dtmf';
  readonly sequenceNumber: string;
  readonly streamSid: string;
  readonly dtmf: { readonly track: string; readonly digit: string };
}

export type InboundMessage =
  | ConnectedMessage
  | StartMessage
  | InboundMediaMessage
  | InboundMarkMessage
  | StopMessage
  | DtmfMessage;

export type InboundEvent = InboundMessage['event'];

export interface OutboundMediaMessage {
  readonly event: 'media';
  readonly streamSid: string;
  readonly media: { readonly payload: string };
}

export interface OutboundMarkMessage {
  readonly event: 'mark';
  readonly streamSid: string;
  readonly mark: { readonly name: string };
}

export interface ClearMessage {
  readonly event: 'clear';
  readonly streamSid: string;
}

export type OutboundMessage = OutboundMediaMessage | OutboundMarkMessage | ClearMessage;

/** Frames above this size are refused before parsing; a 20 ms media frame is ~300 characters. */
export const MAX_INBOUND_MESSAGE_CHARS = 256 * 1024;

export type StreamMessageErrorCode = 'stream_message_invalid' | 'stream_event_unknown';

export interface StreamMessageError extends AppError {
  readonly code: StreamMessageErrorCode;
}

class ShapeError {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(parent: Json, key: string, path: string): Json {
  const value = parent[key];
  if (!isObject(value)) throw new ShapeError(`${path}${key} must be an object`);
  return value;
}

function string(parent: Json, key: string, path = ''): string {
  const value = parent[key];
  if (typeof value !== 'string') throw new ShapeError(`${path}${key} must be a string`);
  return value;
}

function nonEmpty(parent: Json, key: string, path = ''): string {
  const value = string(parent, key, path);
  if (value === '') throw new ShapeError(`${path}${key} must not be empty`);
  return value;
}

const DIGITS = /^\d{1,15}$/;

function digits(parent: Json, key: string, path = ''): string {
  const value = string(parent, key, path);
  if (!DIGITS.test(value)) throw new ShapeError(`${path}${key} must be a whole number in a string`);
  return value;
}

function integer(parent: Json, key: string, path: string): number {
  const value = parent[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ShapeError(`${path}${key} must be a positive whole number`);
  }
  return value;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function base64(parent: Json, key: string, path: string): string {
  const value = string(parent, key, path);
  if (value.length % 4 !== 0 || !BASE64.test(value)) throw new ShapeError(`${path}${key} must be base64`);
  return value;
}

function parseStart(m: Json): StartMessage {
  const start = object(m, 'start', '');
  const p = 'start.';
  const tracks = start.tracks;
  if (!Array.isArray(tracks) || !tracks.every((t) => typeof t === 'string')) {
    throw new ShapeError('start.tracks must be a list of strings');
  }
  const rawParams = start.customParameters ?? {};
  if (!isObject(rawParams)) throw new ShapeError('start.customParameters must be an object');
  const customParameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(rawParams)) {
    if (typeof value !== 'string') throw new ShapeError(`start.customParameters.${name} must be a string`);
    customParameters[name] = value;
  }
  const format = object(start, 'mediaFormat', p);
  const f = 'start.mediaFormat.';
  const streamSid = nonEmpty(m, 'streamSid');
  const innerStreamSid = nonEmpty(start, 'streamSid', p);
  if (innerStreamSid !== streamSid) throw new ShapeError('start.streamSid must match streamSid');
  return {
    event: 'start',
    sequenceNumber: digits(m, 'sequenceNumber'),
    streamSid,
    start: {
      accountSid: nonEmpty(start, 'accountSid', p),
      streamSid: innerStreamSid,
      callSid: nonEmpty(start, 'callSid', p),
      tracks: [...(tracks as string[])],
      customParameters,
      mediaFormat: {
        encoding: nonEmpty(format, 'encoding', f),
        sampleRate: integer(format, 'sampleRate', f),
        channels: integer(format, 'channels', f),
      },
    },
  };
}

function parseMedia(m: Json): InboundMediaMessage {
  const media = object(m, 'media', '');
  const p = 'media.';
  const track = string(media, 'track', p);
  if (track !== 'inbound' && track !== 'outbound') throw new ShapeError('media.track must be "inbound" or "outbound"');
  return {
    event: 'media',
    sequenceNumber: digits(m, 'sequenceNumber'),
    streamSid: nonEmpty(m, 'streamSid'),
    media: {
      track,
      chunk: digits(media, 'chunk', p),
      timestamp: digits(media, 'timestamp', p),
      payload: base64(media, 'payload', p),
    },
  };
}

function parseShape(m: Json, event: InboundEvent): InboundMessage {
  switch (event) {
    case 'connected':
      return { event, protocol: string(m, 'protocol'), version: string(m, 'version') };
    case 'start':
      return parseStart(m);
    case 'media':
      return parseMedia(m);
    case 'mark': {
      const mark = object(m, 'mark', '');
      return {
        event,
        sequenceNumber: digits(m, 'sequenceNumber'),
        streamSid: nonEmpty(m, 'streamSid'),
        mark: { name: nonEmpty(mark, 'name', 'mark.') },
      };
    }
    case 'stop': {
      const stop = object(m, 'stop', '');
      return {
        event,
        sequenceNumber: digits(m, 'sequenceNumber'),
        streamSid: nonEmpty(m, 'streamSid'),
        stop: { accountSid: string(stop, 'accountSid', 'stop.'), callSid: nonEmpty(stop, 'callSid', 'stop.') },
      };
    }
    case 'dtmf': {
      const dtmf = object(m, 'dtmf', '');
      const digit = string(dtmf, 'digit', 'dtmf.');
      if (!/^[0-9*#A-D]$/.test(digit)) throw new ShapeError('dtmf.digit must be one of 0-9, *, #, A-D');
      return {
        event,
        sequenceNumber: digits(m, 'sequenceNumber'),
        streamSid: nonEmpty(m, 'streamSid'),
        dtmf: { track: string(dtmf, 'track', 'dtmf.'), digit },
      };
    }
  }
}

const INBOUND_EVENTS: readonly string[] = ['connected', 'start', 'media', 'mark', 'stop', 'dtmf'] satisfies InboundEvent[];

function streamError(code: StreamMessageErrorCode, detail: string): StreamMessageError {
  return { ...appError(code, `${appError(code).message.replace(/\.$/, '')}: ${detail}.`), code };
}

/**
 * Validates one text frame from Twilio (or the softphone). Never throws: malformed frames give
 * `stream_message_invalid`; well-formed frames with an event this code does not know give
 * `stream_event_unknown`, which a relay should log and skip rather than treat as fatal.
 * Extra fields are ignored and dropped.
 */
export function parseInboundMessage(text: unknown): Result<InboundMessage, StreamMessageError> {
  if (typeof text !== 'string') return fail(streamError('stream_message_invalid', 'expected a JSON text frame'));
  if (text.length > MAX_INBOUND_MESSAGE_CHARS) {
    return fail(streamError('stream_message_invalid', `frame is larger than ${MAX_INBOUND_MESSAGE_CHARS} characters`));
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return fail(streamError('stream_message_invalid', 'frame is not valid JSON'));
  }
  if (!isObject(data)) return fail(streamError('stream_message_invalid', 'frame must be a JSON object'));
  const event = data.event;
  if (typeof event !== 'string') return fail(streamError('stream_message_invalid', 'event must be a string'));
  if (!INBOUND_EVENTS.includes(event)) {
    return fail(streamError('stream_event_unknown', `event ${JSON.stringify(event.slice(0, 40))} is not handled`));
  }
  try {
    return ok(parseShape(data, event as InboundEvent));
  } catch (e) {
    if (e instanceof ShapeError) return fail(streamError('stream_message_invalid', `${event} frame: ${e.reason}`));
    throw e;
  }
}

export function mediaMessage(streamSid: string, payloadBase64: string): OutboundMediaMessage {
  return { event: 'media', streamSid, media: { payload: payloadBase64 } };
}

export function markMessage(streamSid: string, name: string): OutboundMarkMessage {
  return { event: 'mark', streamSid, mark: { name } };
}

export function clearMessage(streamSid: string): ClearMessage {
  return { event: 'clear', streamSid };
}

/** Base64 of raw bytes, for media payloads (`btoa` exists in Node, Deno and browsers). */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  const step = 0x8000; // keeps String.fromCharCode's argument list well inside engine limits
  for (let i = 0; i < bytes.length; i += step) {
    binary += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(binary);
}

/** Raw bytes of a base64 media payload. Throws on invalid base64; parsed messages are already checked. */
export function decodeBase64(payload: string): Uint8Array {
  const binary = atob(payload);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
