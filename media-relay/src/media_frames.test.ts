import { describe, expect, it } from 'vitest';
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
    expect(decodeBase64Bytes(Buffer.from('ab*d'), 0, 4)).toBeNull();
    expect(decodeBase64Bytes(Buffer.from('abc'), 0, 3)).toBeNull();
  });

  it('writes an outbound media frame that is the JSON Twilio expects', () => {
    const frame = mediaEnvelope('MZ"odd')(new Uint8Array(160).fill(0x7f));
    expect(JSON.parse(frame.toString())).toEqual({ event: 'media', streamSid: 'MZ"odd', media: { payload: Buffer.alloc(160, 0x7f).toString('base64') } });
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
    expect(readMediaFrame(Buffer.from('{"event":"media","media":{"track":"inbound","timestamp":"1","payload":"AAAA"}}'))).toBeNull(); // no sequenceNumber
    expect(readMediaFrame(Buffer.from(twilioMedia('AAAA').toString().replace('"160"', '"-5"')))).toBeNull();
  });
});
