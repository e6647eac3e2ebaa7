import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
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
    socket: { write: (frame: Buffer) => sent.push(unframe(frame)) > 0, writableLength: 0 }
  };
}

/** What went out, as event names: `media`, or the mark's name, or `clear`. */
const events = (sent: string[]) => sent.map((d) => {
  const m = JSON.parse(d) as { event: string; mark?: { name: string } };
  return m.event === 'mark' ? m.mark!.name : m.event;
});

/**
 * A line paced by its own clock, with time in the test's hands: `at(ms)` sets the time, `tick(ms)` runs the timers
 * (the clock's tick) due within `ms`.
 */
function pacedLine() {
  vi.useFakeTimers();
  let t = 0;
  const clock = new CallClock({ tickMs: 20, now: () => t });
  const state: { readyState: number; bufferedAmount: number } = { readyState: WebSocket.OPEN, bufferedAmount: 0 };
  const { ws, socket, sent, closed } = fakeSocket(state);
  const dropped: string[] = [];
  const line = twilioTelephony(ws, socket, 'MZ1', () => undefined, (r) => dropped.push(r), { clock, now: () => t });
  return {
    line, clock, state, sent, closed, dropped,
    at: (ms: number) => { t = ms; },
    tick: (ms = 20) => vi.advanceTimersByTime(ms),
    /** The audio of each media frame sent. */
    payloads: () => sent.map((d) => JSON.parse(d) as { event: string; media?: { payload: string } }).filter((m) => m.event === 'media')
      .map((m) => Buffer.from(m.media!.payload, 'base64'))
  };
}

const AHEAD = OUTBOUND_LEAD_MS / 20;

describe('Twilio telephony', () => {
  afterEach(() => vi.useRealTimers());

  it('paces audio at the rate it plays, a little ahead, on the shared clock; marks keep their place', () => {
    const { line, clock, sent, at, tick } = pacedLine();
    // A sentence synthesised at once: one second of audio, then its mark.
    for (let i = 0; i < 50; i++) line.sendAudio(new Uint8Array(160));
    line.mark('t1c0');
    expect(events(sent)).toEqual(Array(AHEAD).fill('media'));
    expect(clock.size).toBe(1);
    at(100);
    tick(100);
    expect(sent).toHaveLength(AHEAD + 5);
    for (let i = 1; i <= 100; i++) {
      at(100 + 20 * i);
      tick();
    }
    expect(events(sent)).toEqual([...Array(50).fill('media'), 't1c0']);
    expect(clock.size).toBe(0); // nothing queued: the line is off the clock
  });

  it('keeps to the lead from its first audio in a process only milliseconds old', () => {
    const { line, sent, at, tick } = pacedLine();
    // The process's clock starts near 0: the line's first audio still goes out at most the lead ahead.
    at(60);
    for (let i = 0; i < 50; i++) line.sendAudio(new Uint8Array(160));
    expect(sent).toHaveLength(AHEAD);
    at(80);
    tick();
    expect(sent).toHaveLength(AHEAD + 1);
  });

  it('sends one frame a tick behind queued audio, with ticks a hair early or late and audio pushed between them', () => {
    const { line, sent, at, tick } = pacedLine();
    // A vendor faster than real time: 100 ms chunks (five frames) twice as fast as they play.
    const chunk = () => { for (let i = 0; i < 5; i++) line.sendAudio(new Uint8Array(160)); };
    chunk();
    chunk();
    chunk();
    expect(sent).toHaveLength(AHEAD);
    for (let k = 1; k <= 40; k++) {
      at(20 * k + (k % 2 ? -0.4 : 0.4));
      tick();
      expect(sent).toHaveLength(AHEAD + k);
      at(20 * k + 10);
      if (k % 3 === 0) chunk(); // behind queued audio: waits for the next tick, not sent off the grid
      expect(sent).toHaveLength(AHEAD + k);
    }
    line.clear();
  });

  it('cuts audio given in chunks into 20 ms frames as it sends them, a part frame last, and counts unsent frames', () => {
    const { line, clock, state, sent, dropped, at, tick, payloads } = pacedLine();
    // One second at once, then 100 ms and a part frame: what may play goes now, the rest on the ticks.
    const second = Uint8Array.from({ length: 8000 }, (_, i) => i & 255);
    line.sendAudio(second);
    line.sendAudio(new Uint8Array(840).fill(7));
    expect(sent).toHaveLength(AHEAD);
    for (let k = 1; k <= 5; k++) {
      at(20 * k);
      tick();
    }
    expect(sent).toHaveLength(AHEAD + 5);
    expect(Buffer.concat(payloads())).toEqual(Buffer.from(second.subarray(0, 15 * 160)));
    // The line closes: the 35 frames left of the second and the 6 of the rest (5 whole, 1 part) are counted.
    state.readyState = WebSocket.CLOSED;
    at(120);
    tick();
    expect(dropped).toHaveLength(35 + 6);
    expect(clock.size).toBe(0);
  });

  it('sends every frame of a chunk in order with its last part frame, and marks after it', () => {
    const { line, sent, at, tick, payloads } = pacedLine();
    const audio = Uint8Array.from({ length: 4040 }, (_, i) => (i * 7) & 255);
    line.sendAudio(audio);
    line.mark('t1c0');
    for (let k = 1; k <= 20; k++) {
      at(20 * k);
      tick();
    }
    expect(events(sent)).toEqual([...Array(26).fill('media'), 't1c0']);
    expect(payloads().map((p) => p.length)).toEqual([...Array(25).fill(160), 40]);
    expect(Buffer.concat(payloads())).toEqual(Buffer.from(audio));
  });

  it('makes up its own lateness at once, and starts a new schedule after a longer gap', () => {
    const { line, sent, at, tick } = pacedLine();
    for (let i = 0; i < 60; i++) line.sendAudio(new Uint8Array(160));
    expect(sent).toHaveLength(AHEAD); // 200 ms of audio, playing until t = 200
    // The process was busy: the next tick comes at 400 instead of 20. What should have gone out by then goes now.
    at(400);
    tick();
    expect(sent).toHaveLength((400 + OUTBOUND_LEAD_MS) / 20);
    // Then nothing for longer than the catch-up allowance: the line has played out and restarts from now.
    at(600 + CATCH_UP_MS + 100);
    tick();
    expect(sent).toHaveLength((400 + OUTBOUND_LEAD_MS) / 20 + AHEAD);
    line.clear();
  });

  it('drops what is queued on clear, and sends everything before it hangs up', () => {
    const { line, clock, sent, closed } = pacedLine();
    for (let i = 0; i < 30; i++) line.sendAudio(new Uint8Array(160));
    line.mark('t1c0');
    line.clear();
    expect(events(sent)).toEqual([...Array(AHEAD).fill('media'), 'clear']);
    expect(clock.size).toBe(0);
    // After the clear the line has played nothing of the next turn: it starts at once.
    line.sendAudio(new Uint8Array(160));
    expect(sent).toHaveLength(AHEAD + 2);
    for (let i = 0; i < 30; i++) line.sendAudio(new Uint8Array(160));
    line.mark('t2c0');
    line.hangup('persona_hung_up');
    expect(events(sent).slice(AHEAD + 1)).toEqual([...Array(31).fill('media'), 't2c0']);
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

  it('reuses a frame buffer only once the socket took all of it: what a slow peer has not read yet stays intact', async () => {
    // A real connection whose reader is paused: the kernel takes frames at first (each buffer is then reused), then
    // its buffers fill and the socket keeps frames queued, whose buffers must not be written over.
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: false });
    const [server, socket] = await new Promise<[WebSocket, Socket]>((r) => wss.once('connection', (ws, req) => r([ws, req.socket as Socket])));
    await new Promise<void>((r) => (client.readyState === WebSocket.OPEN ? r() : client.once('open', () => r())));
    const received: Buffer[] = [];
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { event: string; media?: { payload: string } };
      if (m.event === 'media') received.push(Buffer.from(m.media!.payload, 'base64'));
    });
    const clientSocket = (client as unknown as { _socket: Socket })._socket;
    clientSocket.pause();
    const dropped: string[] = [];
    const line = twilioTelephony(server, socket, 'MZ1', () => undefined, (r) => dropped.push(r));
    // Each frame says which it is; hanging up sends everything at once, past what the kernel holds.
    const frames = 20_000;
    const frame = (i: number) => Buffer.alloc(160, i % 251).fill(i >> 8, 0, 1);
    for (let i = 0; i < frames; i++) line.sendAudio(frame(i));
    let queuedOnSocket = false;
    const write = socket.write.bind(socket);
    socket.write = ((chunk: Buffer) => {
      const ok = write(chunk);
      if (socket.writableLength > 0) queuedOnSocket = true;
      return ok;
    }) as typeof socket.write;
    line.hangup('persona_hung_up');
    clientSocket.resume();
    await closed;
    wss.close();
    const total = received.length;
    expect(queuedOnSocket).toBe(true);
    expect(total + dropped.length).toBe(frames);
    expect(total).toBeGreaterThan(100);
    for (let i = 0; i < total; i++) if (!received[i]!.equals(frame(i))) expect.fail(`frame ${i} arrived changed`);
  });
});
