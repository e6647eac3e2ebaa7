import { describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { parseInboundMessage } from '../../core/src/media_streams.ts';
import { decodeBase64Bytes, encodeBase64Into, mediaEnvelope, readMediaFrame } from './media_frames.ts';

const twilioMedia = (payload: string, extra = '') =>
  Buffer.from(`{"event":"media","sequenceNumber":"3","streamSid":"MZ1","media":{"track":"inbound","chunk":"1","timestamp":"160","payload":"${payload}"}${extra}}`);

describe('media frames', () => {
  it('encodes and decodes base64 like Buffer does, for every length remainder', () => {
    for (const n of [0, 1, 2, 3, 160, 161, 162]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255);
      const out = new Uint8Array(Math.ceil(n / 3) * 4);
      const end = encodeBase64Into(bytes, out, 0);
      const text = Buffer.from(out.subarray(0, end)).toString('latin1');
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(decodeBase64Bytes(Buffer.from(text), 0, text.length)).toEqual(Buffer.from(bytes));
    }
    // A range of a longer buffer, as the line sends a vendor's chunk frame by frame.
    const chunk = Uint8Array.from({ length: 800 }, (_, i) => (i * 13) & 255);
    const envelope = mediaEnvelope('MZ1');
    for (const [start, end] of [[0, 160], [160, 320], [640, 800], [700, 741]] as const) {
      expect(envelope(chunk, start, end)).toEqual(envelope(chunk.slice(start, end)));
    }
    // A recycled buffer carries the next frame of its size; a frame of another size gets its own.
    const first = envelope(chunk, 0, 160);
    envelope.recycle(first);
    const second = envelope(chunk, 160, 320);
    expect(second).toBe(first);
    expect(second).toEqual(envelope(chunk.slice(160, 320)));
    envelope.recycle(second);
    expect(envelope(chunk, 0, 41)).not.toBe(second);
    expect(decodeBase64Bytes(Buffer.from('ab*d'), 0, 4)).toBeNull();
    expect(decodeBase64Bytes(Buffer.from('abc'), 0, 3)).toBeNull();
  });

  it('writes an outbound media frame as a WebSocket text frame of the JSON Twilio expects', async () => {
    // Written to a real connection and read by a real client, at each of the three header sizes.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const sizes = [10, 160, 60_000];
    wss.once('connection', (_ws, req) => {
      for (const bytes of sizes) req.socket.write(mediaEnvelope('MZ"odd')(new Uint8Array(bytes).fill(0x7f)));
    });
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: false });
    const received: { text: string; isBinary: boolean }[] = [];
    await new Promise<void>((resolve, reject) => {
      client.on('error', reject);
      client.on('message', (data: Buffer, isBinary) => {
        received.push({ text: data.toString(), isBinary });
        if (received.length === sizes.length) resolve();
      });
    });
    client.close();
    wss.close();
    expect(received.map((m) => m.isBinary)).toEqual([false, false, false]);
    expect(received.map((m) => JSON.parse(m.text))).toEqual(sizes.map((bytes) => ({ event: 'media', streamSid: 'MZ"odd', media: { payload: Buffer.alloc(bytes, 0x7f).toString('base64') } })));
  });

  it('reads a Twilio media frame from its bytes, as the full parser reads it', () => {
    const audio = Buffer.alloc(160, 0x2a);
    const raw = twilioMedia(audio.toString('base64'));
    const fast = readMediaFrame(raw);
    const full = parseInboundMessage(raw.toString());
    expect(full.ok).toBe(true);
    expect(fast).toEqual({ track: 'inbound', timestamp: 160, mulaw: audio });
  });

  it('leaves anything unusual to the full parser', () => {
    expect(readMediaFrame(Buffer.from('{"event":"mark","mark":{"name":"x"}}'))).toBeNull();
    expect(readMediaFrame(twilioMedia('not base64!'))).toBeNull();
    expect(readMediaFrame(twilioMedia('AAAA', ',"x":"\\u0041"'))).toBeNull(); // escapes
    expect(readMediaFrame(twilioMedia('AA\\"AA'))).toBeNull(); // an escaped quote in the payload
    expect(readMediaFrame(Buffer.from('{"event":"media","media":{"track":"inbound","timestamp":"1","payload":"AAAA"}}'))).toBeNull(); // no sequenceNumber
    expect(readMediaFrame(Buffer.from(twilioMedia('AAAA').toString().replace('"160"', '"-5"')))).toBeNull();
  });
});
