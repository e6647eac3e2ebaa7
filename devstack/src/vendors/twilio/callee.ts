// The simulated person who answers: it opens the Media Streams WebSocket exactly as Twilio does (the upgrade signed
// with X-Twilio-Signature), streams its microphone (silence, or a scripted line) as 20 ms μ-law frames at
// real-time pace, plays what the persona sends
// (echoing each `mark` once the audio before it has played, dropping queued audio on `clear`), speaks its next
// line when the persona has finished talking, may interrupt, and hangs up after its last line.
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import WebSocket from 'ws';
import { synthesizeMulaw } from '../speech/espeak.ts';
import { sid } from './sids.ts';

export interface CalleeLine {
  text: string;
  /** Speak this line this many ms after the persona STARTS talking, interrupting it. */
  interruptAfterMs?: number;
}

export interface CalleeScript {
  lines: CalleeLine[];
  /** Silence after the persona stops talking before the callee answers. */
  replyGapMs?: number;
  /** Hang up once the persona's answer to the last line has been followed by this much silence. */
  hangupAfterMs?: number;
  /**
   * Hang up this long after the last line when the persona has not answered at all. A person waits for the other
   * side's goodbye however slow it is, so this is only a backstop (default 30 s), never the usual way a call ends.
   */
  noReplyHangupMs?: number;
}

export const DEFAULT_SCRIPT: CalleeScript = {
  lines: [
    { text: 'Hello? Who is this?' },
    { text: 'Oh hi. I am doing well, thank you.' },
    { text: 'That sounds good. Tell me more.' },
    { text: 'Okay, thank you. Goodbye.' }
  ]
};

export interface CalleeEvents {
  heard: (text: string) => void;
  said: (line: string) => void;
  /** The persona's queued audio was dropped (`clear`): it stopped talking because the callee cut in. */
  cleared: () => void;
  ended: (reason: 'callee_hangup' | 'remote_closed' | 'carrier_hangup' | 'error', detail?: string) => void;
}

const FRAME_BYTES = 160; // 20 ms at 8 kHz
const SILENCE = 0xff;

export interface CalleeSession {
  hangup: (reason: 'carrier_hangup') => void;
  transcriptOut: string[];
}

export function connectCallee(opts: {
  url: string;
  accountSid: string;
  callSid: string;
  parameters: Record<string, string>;
  script: CalleeScript;
  events: Partial<CalleeEvents>;
  /** The account's auth token: Twilio signs the stream's WebSocket upgrade with it (X-Twilio-Signature). */
  authToken?: string;
}): CalleeSession {
  const streamSid = sid('MZ');
  // As Twilio does: HMAC-SHA1 over the stream URL exactly as written in the TwiML, with no parameters.
  const headers = opts.authToken ? { 'X-Twilio-Signature': getExpectedTwilioSignature(opts.authToken, opts.url, {}) } : {};
  const ws = new WebSocket(opts.url, { headers });
  const spoken: string[] = [];
  let lineIndex = 0;
  let speaking: Buffer | null = null;
  let speakPos = 0;
  let seq = 1;
  let chunk = 0;
  let startedAt = 0;
  let ended = false;
  // Audio from the persona waiting to "play" on the callee's earpiece, and the marks behind it.
  let playQueueMs = 0;
  const pendingMarks: { name: string; atMs: number }[] = [];
  let lastPersonaAudioAt = 0;
  let personaTalkStartedAt = 0;
  // The callee answers each thing the persona says once: after speaking, it waits to hear the persona again.
  let heardPersona = false;
  // When the callee finished its last line (0 while it still has lines to say).
  let lastLineDoneAt = 0;
  let ticker: NodeJS.Timeout | null = null;

  const send = (msg: Record<string, unknown>) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ ...msg, sequenceNumber: String(seq++) }));
  };

  const finish = (reason: Parameters<CalleeEvents['ended']>[0], detail?: string) => {
    if (ended) return;
    ended = true;
    if (ticker) clearInterval(ticker);
    if (ws.readyState === WebSocket.OPEN) {
      send({ event: 'stop', streamSid, stop: { accountSid: opts.accountSid, callSid: opts.callSid } });
      ws.close(1000);
    } else if (ws.readyState === WebSocket.CONNECTING) {
      ws.terminate();
    }
    opts.events.ended?.(reason, detail);
  };

  let preparing = false;
  const speakNext = async () => {
    if (preparing) return;
    const line = opts.script.lines[lineIndex];
    if (!line) return;
    preparing = true;
    const audio = await synthesizeMulaw(line.text).finally(() => (preparing = false));
    lineIndex++;
    speaking = audio;
    speakPos = 0;
    spoken.push(line.text);
    opts.events.said?.(line.text);
  };

  const nowMs = () => Date.now() - startedAt;

  const tick = () => {
    if (ended) return;
    chunk++;
    let payload: Buffer;
    if (speaking) {
      payload = speaking.subarray(speakPos, speakPos + FRAME_BYTES);
      speakPos += FRAME_BYTES;
      if (payload.length < FRAME_BYTES) payload = Buffer.concat([payload, Buffer.alloc(FRAME_BYTES - payload.length, SILENCE)]);
      if (speakPos >= speaking.length) {
        speaking = null;
        heardPersona = false;
        personaTalkStartedAt = 0;
        if (lineIndex >= opts.script.lines.length) lastLineDoneAt = nowMs();
      }
    } else {
      payload = Buffer.alloc(FRAME_BYTES, SILENCE);
    }
    send({ event: 'media', streamSid, media: { track: 'inbound', chunk: String(chunk), timestamp: String(chunk * 20), payload: payload.toString('base64') } });

    // Playback of the persona's audio advances in real time; marks are echoed as it passes them.
    playQueueMs = Math.max(0, playQueueMs - 20);
    const t = nowMs();
    while (pendingMarks.length > 0 && pendingMarks[0]!.atMs <= t) {
      send({ event: 'mark', streamSid, mark: { name: pendingMarks.shift()!.name } });
    }

    const personaSilentFor = t - lastPersonaAudioAt;
    // After its last line the callee waits for the persona's answer to end (an event, however long the pipeline
    // takes to produce it), then for a short silence, and hangs up.
    if (lastLineDoneAt > 0 && !speaking) {
      if (heardPersona && playQueueMs === 0 && personaSilentFor >= (opts.script.hangupAfterMs ?? 4000)) return finish('callee_hangup');
      if (!heardPersona && t - lastLineDoneAt >= (opts.script.noReplyHangupMs ?? 30_000)) return finish('callee_hangup');
    }
    const next = opts.script.lines[lineIndex];
    if (!speaking && next && heardPersona) {
      if (next.interruptAfterMs !== undefined) {
        if (personaTalkStartedAt > 0 && playQueueMs > 0 && t - personaTalkStartedAt >= next.interruptAfterMs) void speakNext();
      } else if (playQueueMs === 0 && personaSilentFor >= (opts.script.replyGapMs ?? 700)) {
        void speakNext();
      }
    }
  };

  ws.on('open', () => {
    startedAt = Date.now();
    ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    send({
      event: 'start',
      streamSid,
      start: {
        streamSid,
        accountSid: opts.accountSid,
        callSid: opts.callSid,
        tracks: ['inbound'],
        customParameters: opts.parameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 }
      }
    });
    ticker = setInterval(tick, 20);
  });

  ws.on('message', (data) => {
    let msg: { event?: string; media?: { payload?: string }; mark?: { name?: string } };
    try {
      msg = JSON.parse(String(data));
    } catch {
      return;
    }
    const t = nowMs();
    if (msg.event === 'media' && msg.media?.payload) {
      const bytes = Buffer.from(msg.media.payload, 'base64').length;
      if (!speaking) heardPersona = true;
      if (playQueueMs === 0) personaTalkStartedAt = personaTalkStartedAt || t;
      playQueueMs += (bytes / 8000) * 1000;
      lastPersonaAudioAt = t + playQueueMs;
    } else if (msg.event === 'mark' && msg.mark?.name) {
      pendingMarks.push({ name: msg.mark.name, atMs: t + playQueueMs });
    } else if (msg.event === 'clear') {
      opts.events.cleared?.();
      playQueueMs = 0;
      lastPersonaAudioAt = t;
      while (pendingMarks.length > 0) send({ event: 'mark', streamSid, mark: { name: pendingMarks.shift()!.name } });
    }
  });
  ws.on('close', () => finish('remote_closed'));
  ws.on('error', (err) => finish('error', err.message));

  return { hangup: (reason) => finish(reason), transcriptOut: spoken };
}
