import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { CallClock } from './call_clock.ts';
import { CATCH_UP_MS, OUTBOUND_LEAD_MS, twilioTelephony } from './twilio_media_stream.ts';

/** Media frames come as whole WebSocket text frames written to the connection: their JSON, without the header. */
function unframe(frame: Buffer): string {
  expect(frame[0]).toBe(0x81); // FIN, text
  const len = frame[1]!;
  const at = len < 126 ? 2 : len === 126 ? 4 : 10;
  const length = len < 126 ? len : len === 126 ? frame.readUInt16BE(2) : frame.readUInt32BE(6);
  expect(frame.length).toBe(at + length);
  return frame.subarray(at).toString();
}

/** A WebSocket and its connection; `sent` is everything that went out on either, in order. */
function fakeSocket(state: { readyState: number; bufferedAmount: number }) {
  const sent: string[] = [];
  const closed: string[] = [];
  return {
    sent, closed,
    ws: { get readyState() { return state.readyState; }, get bufferedAmount() { return state.bufferedAmount; }, send: (d: string | Buffer) => sent.push(String(d)), close: (_code: number, reason: string) => closed.push(reason) } as unknown as WebSocket,
    socket: { write: (frame: Buffer) => sent.push(unframe(frame)) > 0 }
  };
}

/** What went out, as event names: `media`, or the mark's name, or `clear`. */
const events = (sent: string[]) => sent.map((d) => {
  const m = JSON.parse(d) as { event: string; mark?: { name: string } };
  return m.event === 'mark' ? m.mark!.name : m.event;
});

describe('Twilio telephony', () => {
  afterEach(() => vi.useRealTimers());

  it('paces audio at the rate it plays, a little ahead, on the shared clock; marks keep their place', () => {
    vi.useFakeTimers();
    let t = 0;
    const clock = new CallClock({ tickMs: 20, now: () => t });
    const { ws, socket, sent } = fakeSocket({ readyState: WebSocket.OPEN, bufferedAmount: 0 });
    const line = twilioTelephony(ws, socket, 'MZ1', () => undefined, () => undefined, { clock, now: () => t });
    const ahead = OUTBOUND_LEAD_MS / 20;
    // A sentence synthesised at once: one second of audio, then its mark.
    for (let i = 0; i < 50; i++) line.sendAudio(new Uint8Array(160));
    line.mark('t1c0');
    expect(events(sent)).toEqual(Array(ahead).fill('media'));
    expect(clock.size).toBe(1);
    const advance = (ms: number) => { t += ms; vi.advanceTimersByTime(ms); };
    advance(100);
    expect(sent).toHaveLength(ahead + 5);
    for (let i = 0; i < 100; i++) advance(20);
    expect(events(sent)).toEqual([...Array(50).fill('media'), 't1c0']);
    expect(clock.size).toBe(0); // nothing queued: the line is off the clock
  });

  it('sends one frame a tick behind queued audio, with ticks a hair early or late and audio pushed between them', () => {
    vi.useFakeTimers();
    let t = 0;
    const clock = new CallClock({ tickMs: 20, now: () => t });
    const { ws, socket, sent } = fakeSocket({ readyState: WebSocket.OPEN, bufferedAmount: 0 });
    const line = twilioTelephony(ws, socket, 'MZ1', () => undefined, () => undefined, { clock, now: () => t });
    // A vendor faster than real time: 100 ms chunks (five frames) twice as fast as they play.
    const chunk = () => { for (let i = 0; i < 5; i++) line.sendAudio(new Uint8Array(160)); };
    chunk();
    chunk();
    chunk();
    const ahead = OUTBOUND_LEAD_MS / 20;
    expect(sent).toHaveLength(ahead);
    for (let k = 1; k <= 40; k++) {
      t = 20 * k + (k % 2 ? -0.4 : 0.4);
      vi.advanceTimersByTime(20);
      expect(sent).toHaveLength(ahead + k);
      t = 20 * k + 10;
      if (k % 3 === 0) chunk(); // behind queued audio: waits for the next tick, not sent off the grid
      expect(sent).toHaveLength(ahead + k);
    }
    line.clear();
  });

  it('makes up its own lateness at once, and starts a new schedule after a longer gap', () => {
    vi.useFakeTimers();
    let t = 0;
    const clock = new CallClock({ tickMs: 20, now: () => t });
    const { ws, socket, sent } = fakeSocket({ readyState: WebSocket.OPEN, bufferedAmount: 0 });
    const line = twilioTelephony(ws, socket, 'MZ1', () => undefined, () => undefined, { clock, now: () => t });
    for (let i = 0; i < 60; i++) line.sendAudio(new Uint8Array(160));
    expect(sent).toHaveLength(OUTBOUND_LEAD_MS / 20); // 200 ms of audio, playing until t = 200
    // The process was busy: the next tick comes at 400 instead of 20. What should have gone out by then goes now.
    t = 400;
    vi.advanceTimersByTime(20);
    expect(sent).toHaveLength((400 + OUTBOUND_LEAD_MS) / 20);
    // Then nothing for longer than the catch-up allowance: the line has played out and restarts from now.
    t = 600 + CATCH_UP_MS + 100;
    vi.advanceTimersByTime(20);
    expect(sent).toHaveLength((400 + OUTBOUND_LEAD_MS) / 20 + OUTBOUND_LEAD_MS / 20);
    line.clear();
  });

  it('drops what is queued on clear, and sends everything before it hangs up', () => {
    vi.useFakeTimers();
    let t = 0;
    const clock = new CallClock({ tickMs: 20, now: () => t });
    const { ws, socket, sent, closed } = fakeSocket({ readyState: WebSocket.OPEN, bufferedAmount: 0 });
    const line = twilioTelephony(ws, socket, 'MZ1', () => undefined, () => undefined, { clock, now: () => t });
    const ahead = OUTBOUND_LEAD_MS / 20;
    for (let i = 0; i < 30; i++) line.sendAudio(new Uint8Array(160));
    line.mark('t1c0');
    line.clear();
    expect(events(sent)).toEqual([...Array(ahead).fill('media'), 'clear']);
    expect(clock.size).toBe(0);
    // After the clear the line has played nothing of the next turn: it starts at once.
    line.sendAudio(new Uint8Array(160));
    expect(sent).toHaveLength(ahead + 2);
    for (let i = 0; i < 30; i++) line.sendAudio(new Uint8Array(160));
    line.mark('t2c0');
    line.hangup('persona_hung_up');
    expect(events(sent).slice(ahead + 1)).toEqual([...Array(31).fill('media'), 't2c0']);
    expect(closed).toEqual(['persona_hung_up']);
  });

  it('reports audio it could not send: a stalled line (and says it stalled) or a closed socket; marks are not audio', () => {
    const state: { readyState: number; bufferedAmount: number } = { readyState: WebSocket.OPEN, bufferedAmount: 0 };
    const { ws, socket, sent } = fakeSocket(state);
    const dropped: string[] = [];
    let stalled = 0;
    const line = twilioTelephony(ws, socket, 'MZ1', () => stalled++, (r) => dropped.push(r));
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
