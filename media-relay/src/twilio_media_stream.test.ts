import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { twilioTelephony } from './twilio_media_stream.ts';

function fakeSocket(state: { readyState: number; bufferedAmount: number }) {
  const sent: string[] = [];
  return { sent, ws: { get readyState() { return state.readyState; }, get bufferedAmount() { return state.bufferedAmount; }, send: (d: string) => sent.push(d), close: () => undefined } as unknown as WebSocket };
}

describe('Twilio telephony', () => {
  it('reports audio it could not send: a stalled line (and says it stalled) or a closed socket; marks are not audio', () => {
    const state: { readyState: number; bufferedAmount: number } = { readyState: WebSocket.OPEN, bufferedAmount: 0 };
    const { ws, sent } = fakeSocket(state);
    const dropped: string[] = [];
    let stalled = 0;
    const line = twilioTelephony(ws, 'MZ1', () => stalled++, (r) => dropped.push(r));
    line.sendAudio(new Uint8Array(160));
    expect(sent).toHaveLength(1);
    state.bufferedAmount = 3 * 1024 * 1024;
    line.sendAudio(new Uint8Array(160));
    line.mark('t1c0');
    expect([dropped, stalled]).toEqual([['line_stalled'], 2]);
    state.readyState = WebSocket.CLOSED;
    line.sendAudio(new Uint8Array(160));
    line.mark('t1c1');
    expect(dropped).toEqual(['line_stalled', 'socket_closed']);
    expect(sent).toHaveLength(1);
  });
});
