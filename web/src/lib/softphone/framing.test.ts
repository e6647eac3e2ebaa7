import { describe, expect, it } from 'vitest';
import { parseInboundMessage } from '../../../../core/src/media_streams.ts';
import { decodeMulaw } from '../../../../core/src/mulaw.ts';
import { FRAME_SAMPLES, FrameChunker, newStreamSid, parseRelayMessage, StreamWriter } from './framing.ts';

const ramp = (n: number, from = 0) => Int16Array.from({ length: n }, (_, i) => (from + i) * 10);

describe('FrameChunker', () => {
  it('emits whole 160-sample frames in order and keeps the remainder for the next push', () => {
    const c = new FrameChunker();
    expect(c.push(ramp(100))).toEqual([]);
    const frames = c.push(ramp(300, 100));
    expect(frames).toHaveLength(2);
    expect(Array.from(frames[0]!)).toEqual(Array.from(ramp(160)));
    expect(Array.from(frames[1]!)).toEqual(Array.from(ramp(160, 160)));
    const last = c.push(ramp(80, 400));
    expect(last).toHaveLength(1);
    expect(Array.from(last[0]!)).toEqual(Array.from(ramp(160, 320)));
  });

  it('hands out frames that later pushes do not overwrite', () => {
    const c = new FrameChunker();
    const [first] = c.push(ramp(160));
    c.push(ramp(160, 1000));
    expect(first![0]).toBe(0);
  });
});

describe('StreamWriter', () => {
  const w = () => new StreamWriter('3f0b7c1e-5a2d-4e8f-9b1c-2d3e4f5a6b7c', 'MZ' + 'ab'.repeat(16));

  it('starts with the call id and access token as custom parameters, in a shape the relay accepts', () => {
    const parsed = parseInboundMessage(w().start('token-123'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok || parsed.value.event !== 'start') throw new Error('not a start');
    expect(parsed.value.sequenceNumber).toBe('1');
    expect(parsed.value.start.customParameters).toEqual({ call_id: '3f0b7c1e-5a2d-4e8f-9b1c-2d3e4f5a6b7c', access_token: 'token-123' });
    expect(parsed.value.start.mediaFormat).toEqual({ encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 });
  });

  it('numbers media frames (sequence, chunk from 1, 20 ms timestamps) and μ-law encodes them', () => {
    const s = w();
    s.start('t');
    const frame = ramp(FRAME_SAMPLES);
    const msgs = [s.media(frame), s.media(frame), s.mark('m1'), s.media(frame)].map((t) => parseInboundMessage(t));
    const media = msgs.map((m) => (m.ok && m.value.event === 'media' ? m.value.media : null));
    expect(msgs.map((m) => m.ok && 'sequenceNumber' in m.value && m.value.sequenceNumber)).toEqual(['2', '3', '4', '5']);
    expect(media.map((m) => m?.chunk)).toEqual(['1', '2', undefined, '3']);
    expect(media.map((m) => m?.timestamp)).toEqual(['0', '20', undefined, '40']);
    const bytes = Uint8Array.from(atob(media[0]!.payload), (ch) => ch.charCodeAt(0));
    expect(bytes).toHaveLength(160);
    const back = decodeMulaw(bytes);
    // μ-law keeps small samples nearly exact and large ones within a few percent.
    back.forEach((v, i) => expect(Math.abs(v - frame[i]!)).toBeLessThanOrEqual(Math.max(8, Math.abs(frame[i]!) * 0.07)));
  });

  it('refuses frames of the wrong length', () => {
    expect(() => w().media(ramp(159))).toThrow(RangeError);
  });

  it('ends with a stop naming the call', () => {
    const s = w();
    s.start('t');
    const parsed = parseInboundMessage(s.stop());
    expect(parsed.ok && parsed.value.event === 'stop' && parsed.value.stop).toEqual({ accountSid: 'browser', callSid: '3f0b7c1e-5a2d-4e8f-9b1c-2d3e4f5a6b7c' });
  });

  it('echoes marks by name', () => {
    const parsed = parseInboundMessage(w().mark('sentence-3'));
    expect(parsed.ok && parsed.value.event === 'mark' && parsed.value.mark.name).toBe('sentence-3');
  });
});

describe('newStreamSid', () => {
  it('is MZ and 32 hex digits, different each time', () => {
    const a = newStreamSid();
    expect(a).toMatch(/^MZ[0-9a-f]{32}$/);
    expect(newStreamSid()).not.toBe(a);
  });
});

describe('parseRelayMessage', () => {
  it('reads media, mark and clear', () => {
    expect(parseRelayMessage(JSON.stringify({ event: 'media', streamSid: 'MZ1', media: { payload: btoa('\x00\x7f\xff') } })))
      .toEqual({ kind: 'media', audio: new Uint8Array([0, 0x7f, 0xff]) });
    expect(parseRelayMessage(JSON.stringify({ event: 'mark', streamSid: 'MZ1', mark: { name: 'm7' } }))).toEqual({ kind: 'mark', name: 'm7' });
    expect(parseRelayMessage(JSON.stringify({ event: 'clear', streamSid: 'MZ1' }))).toEqual({ kind: 'clear' });
  });

  it('ignores what it cannot read', () => {
    expect(parseRelayMessage('not json')).toBeNull();
    expect(parseRelayMessage(JSON.stringify({ event: 'media', media: { payload: '%%%' } }))).toBeNull();
    expect(parseRelayMessage(JSON.stringify({ event: 'mark', mark: {} }))).toBeNull();
    expect(parseRelayMessage(JSON.stringify({ event: 'dtmf' }))).toBeNull();
    expect(parseRelayMessage(new ArrayBuffer(4))).toBeNull();
    expect(parseRelayMessage('null')).toBeNull();
  });
});
