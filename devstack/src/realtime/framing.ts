// Phoenix channel frames as realtime-js v2 speaks them: vsn 1.0.0 JSON objects, vsn 2.0.0 JSON arrays, and the
// binary user-broadcast frames of vsn 2.0.0 (kind 3 from the client, kind 4 to the client).

export type Vsn = '1.0.0' | '2.0.0';

export interface PhxMessage {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

/** A user broadcast as it travels between channels: the payload is JSON or raw bytes. */
export interface UserBroadcast {
  event: string;
  payload: unknown;
  /** Raw bytes when the sender pushed a binary payload; then `payload` is unused. */
  binary: Buffer | null;
  meta: Record<string, unknown> | null;
}

const KIND_USER_BROADCAST_PUSH = 3;
const KIND_USER_BROADCAST = 4;
const ENCODING_BINARY = 0;
const ENCODING_JSON = 1;

export class FrameError extends Error {}

export function parseVsn(raw: string | null): Vsn | null {
  if (raw === null || raw === '' || raw === '1.0.0') return '1.0.0';
  if (raw === '2.0.0') return '2.0.0';
  return null;
}

function asRef(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return String(v);
}

/** Decodes one text frame; throws FrameError on anything that is not a Phoenix message. */
export function decodeText(text: string, vsn: Vsn): PhxMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FrameError('frame is not valid JSON');
  }
  if (vsn === '2.0.0') {
    if (!Array.isArray(parsed) || parsed.length !== 5) throw new FrameError('expected [join_ref, ref, topic, event, payload]');
    const [joinRef, ref, topic, event, payload] = parsed as unknown[];
    if (typeof topic !== 'string' || typeof event !== 'string') throw new FrameError('topic and event must be strings');
    return { joinRef: asRef(joinRef), ref: asRef(ref), topic, event, payload: payload ?? {} };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new FrameError('expected a message object');
  const o = parsed as Record<string, unknown>;
  if (typeof o.topic !== 'string' || typeof o.event !== 'string') throw new FrameError('topic and event must be strings');
  return { joinRef: asRef(o.join_ref), ref: asRef(o.ref), topic: o.topic, event: o.event, payload: o.payload ?? {} };
}

/**
 * Decodes a binary client frame (vsn 2.0.0 only). Kind 3 is a user broadcast push: it becomes the `broadcast` event
 * with payload {type:'broadcast', event, payload}; raw-binary payloads are kept as bytes.
 */
export function decodeBinary(buf: Buffer): { message: PhxMessage; broadcast: UserBroadcast } {
  if (buf.length < 7) throw new FrameError('binary frame is too short');
  const kind = buf[0];
  if (kind !== KIND_USER_BROADCAST_PUSH) throw new FrameError(`unsupported binary frame kind ${kind}`);
  const joinRefLen = buf[1]!;
  const refLen = buf[2]!;
  const topicLen = buf[3]!;
  const eventLen = buf[4]!;
  const metaLen = buf[5]!;
  const encoding = buf[6]!;
  let offset = 7;
  const take = (n: number): string => {
    if (offset + n > buf.length) throw new FrameError('binary frame header overruns the frame');
    const s = buf.subarray(offset, offset + n).toString('utf8');
    offset += n;
    return s;
  };
  const joinRef = take(joinRefLen);
  const ref = take(refLen);
  const topic = take(topicLen);
  const event = take(eventLen);
  const metaText = take(metaLen);
  const body = buf.subarray(offset);
  let meta: Record<string, unknown> | null = null;
  if (metaText !== '') {
    try {
      meta = JSON.parse(metaText) as Record<string, unknown>;
    } catch {
      throw new FrameError('binary frame metadata is not valid JSON');
    }
  }
  let payload: unknown = null;
  let binary: Buffer | null = null;
  if (encoding === ENCODING_JSON) {
    try {
      payload = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      throw new FrameError('binary frame payload is not valid JSON');
    }
  } else if (encoding === ENCODING_BINARY) {
    binary = Buffer.from(body);
  } else {
    throw new FrameError(`unsupported payload encoding ${encoding}`);
  }
  return {
    message: {
      joinRef: joinRef === '' ? null : joinRef,
      ref: ref === '' ? null : ref,
      topic,
      event: 'broadcast',
      payload: { type: 'broadcast', event, payload: binary ?? payload }
    },
    broadcast: { event, payload, binary, meta }
  };
}

export function encodeText(msg: PhxMessage, vsn: Vsn): string {
  if (vsn === '2.0.0') return JSON.stringify([msg.joinRef, msg.ref, msg.topic, msg.event, msg.payload]);
  return JSON.stringify({ topic: msg.topic, event: msg.event, payload: msg.payload, ref: msg.ref, join_ref: msg.joinRef });
}

/** Binary kind 4 "user broadcast" frame, as realtime-js ≥2.91 decodes it. */
export function encodeUserBroadcast(topic: string, b: UserBroadcast): Buffer {
  const topicBytes = Buffer.from(topic, 'utf8');
  const eventBytes = Buffer.from(b.event, 'utf8');
  const metaBytes = Buffer.from(b.meta ? JSON.stringify(b.meta) : '', 'utf8');
  if (topicBytes.length > 255 || eventBytes.length > 255 || metaBytes.length > 255) {
    throw new FrameError('topic, event and metadata must each fit in 255 bytes');
  }
  const body = b.binary ?? Buffer.from(JSON.stringify(b.payload ?? {}), 'utf8');
  const head = Buffer.from([
    KIND_USER_BROADCAST,
    topicBytes.length,
    eventBytes.length,
    metaBytes.length,
    b.binary ? ENCODING_BINARY : ENCODING_JSON
  ]);
  return Buffer.concat([head, topicBytes, eventBytes, metaBytes, body]);
}

/**
 * How a user broadcast reaches a client of the given protocol version: binary kind 4 for vsn 2.0.0, a JSON
 * `broadcast` message for 1.0.0 (which cannot carry raw bytes, so those are skipped: null).
 */
export function encodeBroadcastFor(vsn: Vsn, topic: string, b: UserBroadcast): string | Buffer | null {
  if (vsn === '2.0.0') {
    const topicLen = Buffer.byteLength(topic);
    const metaLen = b.meta ? Buffer.byteLength(JSON.stringify(b.meta)) : 0;
    if (topicLen <= 255 && Buffer.byteLength(b.event) <= 255 && metaLen <= 255) return encodeUserBroadcast(topic, b);
    if (b.binary) return null;
  }
  if (b.binary) return null;
  const payload: Record<string, unknown> = { type: 'broadcast', event: b.event, payload: b.payload };
  if (b.meta) payload.meta = b.meta;
  return encodeText({ joinRef: null, ref: null, topic, event: 'broadcast', payload }, vsn);
}
