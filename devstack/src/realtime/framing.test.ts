import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { decodeBinary, decodeText, encodeBroadcastFor, encodeText, encodeUserBroadcast, FrameError, parseVsn } from './framing.ts';

/** A kind 3 frame exactly as realtime-js's serializer lays it out. */
function userPush(joinRef: string, ref: string, topic: string, event: string, meta: string, encoding: number, body: Buffer): Buffer {
  const parts = [joinRef, ref, topic, event, meta].map((s) => Buffer.from(s, 'utf8'));
  return Buffer.concat([Buffer.from([3, ...parts.map((p) => p.length), encoding]), ...parts, body]);
}

describe('text frames', () => {
  it('decodes vsn 2.0.0 arrays and 1.0.0 objects', () => {
    expect(decodeText('["1","2","realtime:room","phx_join",{"a":1}]', '2.0.0')).toEqual({
      joinRef: '1', ref: '2', topic: 'realtime:room', event: 'phx_join', payload: { a: 1 }
    });
    expect(decodeText('{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"5","join_ref":null}', '1.0.0')).toEqual({
      joinRef: null, ref: '5', topic: 'phoenix', event: 'heartbeat', payload: {}
    });
  });

  it('rejects frames that are not Phoenix messages', () => {
    expect(() => decodeText('not json', '2.0.0')).toThrow(FrameError);
    expect(() => decodeText('{"topic":"x"}', '2.0.0')).toThrow(FrameError);
    expect(() => decodeText('[null,null,"t","e",{}]', '1.0.0')).toThrow(FrameError);
    expect(() => decodeText('[null,null,1,"e",{}]', '2.0.0')).toThrow(FrameError);
  });

  it('encodes replies in the shape of each version', () => {
    const msg = { joinRef: null, ref: '9', topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} } };
    expect(encodeText(msg, '2.0.0')).toBe('[null,"9","phoenix","phx_reply",{"status":"ok","response":{}}]');
    expect(JSON.parse(encodeText(msg, '1.0.0'))).toEqual({ topic: 'phoenix', event: 'phx_reply', payload: { status: 'ok', response: {} }, ref: '9', join_ref: null });
  });

  it('accepts only the protocol versions realtime-js offers', () => {
    expect(parseVsn(null)).toBe('1.0.0');
    expect(parseVsn('2.0.0')).toBe('2.0.0');
    expect(parseVsn('3.0.0')).toBeNull();
  });
});

describe('binary frames', () => {
  it('decodes a JSON user broadcast push (kind 3) into a broadcast event', () => {
    const frame = userPush('4', '7', 'realtime:röom', 'cursor', '', 1, Buffer.from('{"x":1,"label":"é"}'));
    const { message, broadcast } = decodeBinary(frame);
    expect(message).toEqual({
      joinRef: '4', ref: '7', topic: 'realtime:röom', event: 'broadcast',
      payload: { type: 'broadcast', event: 'cursor', payload: { x: 1, label: 'é' } }
    });
    expect(broadcast.binary).toBeNull();
  });

  it('keeps raw binary payloads as bytes and reads metadata', () => {
    const { broadcast } = decodeBinary(userPush('1', '2', 'realtime:r', 'bin', '{"persist":true}', 0, Buffer.from([0, 255, 7])));
    expect([...broadcast.binary!]).toEqual([0, 255, 7]);
    expect(broadcast.meta).toEqual({ persist: true });
  });

  it('refuses truncated frames, unknown kinds and unknown encodings', () => {
    const good = userPush('1', '2', 'realtime:r', 'e', '', 1, Buffer.from('{}'));
    expect(() => decodeBinary(good.subarray(0, 12))).toThrow(FrameError);
    expect(() => decodeBinary(Buffer.from([9, 0, 0, 0, 0, 0, 1]))).toThrow(/kind 9/);
    expect(() => decodeBinary(userPush('1', '2', 't', 'e', '', 5, Buffer.alloc(0)))).toThrow(/encoding 5/);
    expect(() => decodeBinary(userPush('1', '2', 't', 'e', '', 1, Buffer.from('{oops')))).toThrow(FrameError);
  });

  it('encodes user broadcasts as kind 4 frames that realtime-js decodes', () => {
    const frame = encodeUserBroadcast('realtime:r', { event: 'evt', payload: { a: [1] }, binary: null, meta: { id: 'abc' } });
    expect([...frame.subarray(0, 5)]).toEqual([4, 10, 3, 12, 1]);
    expect(frame.subarray(5, 15).toString()).toBe('realtime:r');
    expect(frame.subarray(15, 18).toString()).toBe('evt');
    expect(JSON.parse(frame.subarray(18, 30).toString())).toEqual({ id: 'abc' });
    expect(JSON.parse(frame.subarray(30).toString())).toEqual({ a: [1] });
    const raw = encodeUserBroadcast('t', { event: 'e', payload: null, binary: Buffer.from([1, 2]), meta: null });
    expect([...raw]).toEqual([4, 1, 1, 0, 0, 116, 101, 1, 2]);
  });

  it('falls back to JSON text for vsn 1.0.0, which cannot carry raw bytes', () => {
    const json = encodeBroadcastFor('1.0.0', 'realtime:r', { event: 'e', payload: { n: 1 }, binary: null, meta: null });
    expect(JSON.parse(String(json))).toMatchObject({ event: 'broadcast', payload: { type: 'broadcast', event: 'e', payload: { n: 1 } } });
    expect(encodeBroadcastFor('1.0.0', 'realtime:r', { event: 'e', payload: null, binary: Buffer.from([1]), meta: null })).toBeNull();
    expect(Buffer.isBuffer(encodeBroadcastFor('2.0.0', 'realtime:r', { event: 'e', payload: {}, binary: null, meta: null }))).toBe(true);
  });
});

describe('interoperability with the realtime-js serializer', () => {
  const Serializer = (createRequire(import.meta.url)('@supabase/realtime-js/dist/main/lib/serializer.js') as {
    default: new () => { encode: (m: unknown, cb: (r: unknown) => unknown) => unknown; decode: (r: unknown, cb: (m: unknown) => unknown) => unknown };
  }).default;
  const serializer = new Serializer();
  const toArrayBuffer = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

  it('reads what realtime-js sends for channel.send()', () => {
    const sent = serializer.encode(
      { join_ref: '3', ref: '8', topic: 'realtime:ünï', event: 'broadcast', payload: { type: 'broadcast', event: 'move', payload: { x: 1 } } },
      (r) => r
    ) as ArrayBuffer;
    const { message } = decodeBinary(Buffer.from(sent));
    expect(message).toEqual({ joinRef: '3', ref: '8', topic: 'realtime:ünï', event: 'broadcast', payload: { type: 'broadcast', event: 'move', payload: { x: 1 } } });
  });

  it('writes what realtime-js reads, JSON and raw bytes alike', () => {
    const json = encodeUserBroadcast('realtime:r', { event: 'e', payload: { y: 'ü' }, binary: null, meta: { id: 'm1' } });
    expect(serializer.decode(toArrayBuffer(json), (m) => m)).toEqual({
      join_ref: null, ref: null, topic: 'realtime:r', event: 'broadcast', payload: { type: 'broadcast', event: 'e', payload: { y: 'ü' }, meta: { id: 'm1' } }
    });
    const raw = encodeUserBroadcast('realtime:r', { event: 'b', payload: null, binary: Buffer.from([5, 6]), meta: null });
    const decoded = serializer.decode(toArrayBuffer(raw), (m) => m) as { payload: { payload: ArrayBuffer } };
    expect([...new Uint8Array(decoded.payload.payload)]).toEqual([5, 6]);
  });
});
