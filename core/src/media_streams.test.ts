import { describe, expect, it } from 'vitest';
import {
  MAX_INBOUND_MESSAGE_CHARS,
  clearMessage,
  decodeBase64,
  encodeBase64,
  markMessage,
  mediaMessage,
  parseInboundMessage,
} from './media_streams.ts';

const STREAM = 'MZ18ad3ab5a668481ce02b83e7395059f0';
const CALL = 'CA0123456789abcdef0123456789abcdef';
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';

// Frames as Twilio documents them (numeric-looking fields are strings).
const frames = {
  connected: { event: 'connected', protocol: 'Call', version: '1.0.0' },
  start: {
    event: 'start',
    sequenceNumber: '1',
    streamSid: STREAM,
    start: {
      accountSid: ACCOUNT,
      streamSid: STREAM,
      callSid: CALL,
      tracks: ['inbound'],
      customParameters: { callId: '7b0c…', streamToken: 'tok' },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    },
  },
  media: {
    event: 'media',
    sequenceNumber: '3',
    streamSid: STREAM,
    media: { track: 'inbound', chunk: '1', timestamp: '160', payload: '/////w==' },
  },
  mark: { event: 'mark', sequenceNumber: '4', streamSid: STREAM, mark: { name: 'turn-7-chunk-3' } },
  dtmf: { event: 'dtmf', sequenceNumber: '5', streamSid: STREAM, dtmf: { track: 'inbound_track', digit: '#' } },
  stop: { event: 'stop', sequenceNumber: '6', streamSid: STREAM, stop: { accountSid: ACCOUNT, callSid: CALL } },
};

function parse(value: unknown) {
  return parseInboundMessage(typeof value === 'string' ? value : JSON.stringify(value));
}

function expectInvalid(value: unknown, detail: RegExp) {
  const r = parse(value);
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.error.code).toBe('stream_message_invalid');
    expect(r.error.message).toMatch(detail);
  }
}

describe('parseInboundMessage accepts documented frames', () => {
  it.each(Object.entries(frames))('%s', (_name, frame) => {
    expect(parse(frame)).toEqual({ ok: true, value: frame });
  });

  it('types the start frame for the relay', () => {
    const r = parse(frames.start);
    if (!r.ok || r.value.event !== 'start') throw new Error('expected a start frame');
    expect(r.value.start.customParameters.streamToken).toBe('tok');
    expect(r.value.start.mediaFormat.sampleRate).toBe(8000);
  });

  it('defaults missing customParameters to an empty object and drops unknown fields', () => {
    const { customParameters: _drop, ...startWithout } = frames.start.start;
    const r = parse({ ...frames.start, start: startWithout, extra: 1 });
    expect(r.ok).toBe(true);
    if (r.ok && r.value.event === 'start') {
      expect(r.value.start.customParameters).toEqual({});
      expect(r.value).not.toHaveProperty('extra');
    }
  });
});

describe('parseInboundMessage refuses malformed frames without throwing', () => {
  it.each([
    ['not JSON', '{"event":', /not valid JSON/],
    ['a JSON array', '[1,2]', /JSON object/],
    ['a JSON string', '"media"', /JSON object/],
    ['null', 'null', /JSON object/],
    ['no event', { streamSid: STREAM }, /event must be a string/],
    ['numeric event', { event: 3 }, /event must be a string/],
  ])('%s', (_name, value, detail) => expectInvalid(value, detail));

  it('refuses non-string input and oversized frames', () => {
    const r = parseInboundMessage(new Uint8Array([123, 125]));
    expect(r.ok).toBe(false);
    expectInvalid('x'.repeat(MAX_INBOUND_MESSAGE_CHARS + 1), /larger than/);
  });

  it.each([
    ['media without payload', { ...frames.media, media: { ...frames.media.media, payload: undefined } }, /media\.payload must be a string/],
    ['media with bad base64', { ...frames.media, media: { ...frames.media.media, payload: 'abc$' } }, /media\.payload must be base64/],
    ['media with unpadded base64', { ...frames.media, media: { ...frames.media.media, payload: 'abcde' } }, /base64/],
    ['media with numeric timestamp', { ...frames.media, media: { ...frames.media.media, timestamp: 160 } }, /timestamp must be a string/],
    ['media with negative chunk', { ...frames.media, media: { ...frames.media.media, chunk: '-1' } }, /chunk must be a whole number/],
    ['media with unknown track', { ...frames.media, media: { ...frames.media.media, track: 'both' } }, /track/],
    ['media not an object', { ...frames.media, media: 'x' }, /media must be an object/],
    ['media without streamSid', { ...frames.media, streamSid: '' }, /streamSid must not be empty/],
    ['media with sequence "1.5"', { ...frames.media, sequenceNumber: '1.5' }, /sequenceNumber/],
    ['start without callSid', { ...frames.start, start: { ...frames.start.start, callSid: undefined } }, /start\.callSid/],
    ['start with mismatched streamSid', { ...frames.start, start: { ...frames.start.start, streamSid: 'MZother' } }, /must match/],
    ['start with numeric parameter', { ...frames.start, start: { ...frames.start.start, customParameters: { callId: 5 } } }, /customParameters\.callId/],
    ['start with bad tracks', { ...frames.start, start: { ...frames.start.start, tracks: 'inbound' } }, /tracks/],
    ['start with string sample rate', { ...frames.start, start: { ...frames.start.start, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: '8000', channels: 1 } } }, /sampleRate/],
    ['mark without name', { ...frames.mark, mark: {} }, /mark\.name/],
    ['dtmf with two digits', { ...frames.dtmf, dtmf: { track: 'inbound_track', digit: '12' } }, /dtmf\.digit/],
    ['stop without callSid', { ...frames.stop, stop: { accountSid: ACCOUNT } }, /stop\.callSid/],
    ['connected without version', { event: 'connected', protocol: 'Call' }, /version/],
  ])('%s', (_name, value, detail) => expectInvalid(value, detail));

  it('reports an unknown event separately so the relay can skip it', () => {
    const r = parse({ event: 'keepalive', streamSid: STREAM });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('stream_event_unknown');
      expect(r.error.message).toContain('"keepalive"');
    }
    // Outbound-only events arriving inbound are unknown too.
    const c = parse({ event: 'clear', streamSid: STREAM });
    expect(c.ok || c.error.code).toBe('stream_event_unknown');
  });
});

describe('outbound messages', () => {
  it('serialise in the documented shape', () => {
    expect(JSON.parse(JSON.stringify(mediaMessage(STREAM, 'AAA=')))).toEqual({ event: 'media', streamSid: STREAM, media: { payload: 'AAA=' } });
    expect(markMessage(STREAM, 'turn-1-chunk-1')).toEqual({ event: 'mark', streamSid: STREAM, mark: { name: 'turn-1-chunk-1' } });
    expect(clearMessage(STREAM)).toEqual({ event: 'clear', streamSid: STREAM });
  });
});

describe('base64 payloads', () => {
  it('round-trips every byte value and a large buffer', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(decodeBase64(encodeBase64(all))).toEqual(all);
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff);
    expect(decodeBase64(encodeBase64(big))).toEqual(big);
    expect(encodeBase64(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toBe('/////w==');
    expect(encodeBase64(new Uint8Array())).toBe('');
  });

  it('decodes a parsed media payload', () => {
    const r = parse(frames.media);
    if (!r.ok || r.value.event !== 'media') throw new Error('expected a media frame');
    expect([...decodeBase64(r.value.media.payload)]).toEqual([0xff, 0xff, 0xff, 0xff]);
  });
});
