import { describe, expect, it } from 'vitest';
import { parseTwiml } from './twiml.ts';

describe('parseTwiml', () => {
  it('reads a Connect/Stream with parameters, decoding entities', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://relay.example/twilio/stream?a=1&amp;b=2">
      <Parameter name="call_id" value="c-1"/><Parameter name="token" value="t&quot;x"/></Stream></Connect></Response>`;
    expect(parseTwiml(xml)).toEqual([
      { kind: 'stream', url: 'wss://relay.example/twilio/stream?a=1&b=2', parameters: { call_id: 'c-1', token: 't"x' } }
    ]);
  });

  it('keeps Say and Hangup in order', () => {
    expect(parseTwiml('<Response><Say voice="alice">Hi &amp; bye</Say><Hangup/></Response>')).toEqual([
      { kind: 'say', text: 'Hi & bye' },
      { kind: 'hangup' }
    ]);
  });

  it('rejects documents without a Response root and streams without a url', () => {
    expect(() => parseTwiml('<html></html>')).toThrow(/Response/);
    expect(() => parseTwiml('<Response><Connect><Stream/></Connect></Response>')).toThrow(/url/);
  });
});
