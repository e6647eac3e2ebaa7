// Contract: ElevenLabs' stream-input WebSocket as its documentation describes it (elevenlabs.io/docs/api-reference/
// websockets), spoken with a raw `ws` client since the official SDK (2.73) has no client for it: BOS with the key and
// voice settings, text, flush, EOS, base64 audio in order, isFinal, close; and the refusals.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTtsStandIn, type StandIn } from './server.ts';

const VOICE = 'EXAVITQu4vr4xnSDxMaL';

interface Reply {
  audio?: string | null;
  isFinal?: boolean;
  alignment?: { chars: string[] } | null;
  error?: string;
  message?: string;
}

describe('ElevenLabs stream-input WebSocket on the TTS stand-in', () => {
  let tts: StandIn;
  beforeAll(async () => { tts = await startTtsStandIn({ apiKey: 'xi-contract', chunkBytes: 800 }); });
  afterAll(() => tts.close());

  const open = (query = 'model_id=eleven_flash_v2_5&output_format=ulaw_8000', voice = VOICE, headers: Record<string, string> = {}) =>
    new WebSocket(`${tts.url.replace('http', 'ws')}/v1/text-to-speech/${voice}/stream-input?${query}`, { headers });

  /** Every message until the socket closes, and how it closed. */
  function collect(ws: WebSocket): Promise<{ replies: Reply[]; code: number; reason: string }> {
    const replies: Reply[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d)) as Reply));
    return new Promise((resolve) => ws.on('close', (code, reason) => resolve({ replies, code, reason: reason.toString() })));
  }
  const opened = (ws: WebSocket) => new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const upgradeStatus = (ws: WebSocket) => new Promise<number>((resolve) => {
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => resolve(101));
  });

  it('renders flushed text as base64 μ-law, in order, then isFinal and a normal close', async () => {
    const ws = open();
    const done = collect(ws);
    await opened(ws);
    ws.send(JSON.stringify({ text: ' ', voice_settings: { stability: 0.5, similarity_boost: 0.8, speed: 1 }, xi_api_key: 'xi-contract' }));
    ws.send(JSON.stringify({ text: 'Hello there. ', flush: true }));
    ws.send(JSON.stringify({ text: 'This is the second sentence, a little longer. ' }));
    ws.send(JSON.stringify({ text: '' }));
    const { replies, code } = await done;
    expect(code).toBe(1000);
    expect(replies.at(-1)).toMatchObject({ audio: null, isFinal: true });
    const audio = replies.slice(0, -1);
    expect(audio.every((r) => typeof r.audio === 'string' && r.isFinal === false)).toBe(true);
    // Two generations (the flush, then EOS), each opening with its alignment: the flushed text comes first.
    const aligned = audio.filter((r) => r.alignment).map((r) => r.alignment!.chars.join(''));
    expect(aligned).toEqual(['Hello there. ', 'This is the second sentence, a little longer. ']);
    const bytes = Buffer.concat(audio.map((r) => Buffer.from(r.audio!, 'base64')));
    expect(bytes.length).toBeGreaterThan(16_000); // seconds of 8 kHz μ-law, no header
    expect(bytes.subarray(0, 4).toString('latin1')).not.toBe('RIFF');
  });

  it('holds text below the chunk schedule until a flush, and takes the key from the upgrade header', async () => {
    const ws = open(undefined, VOICE, { 'xi-api-key': 'xi-contract' });
    const replies: Reply[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d)) as Reply));
    await opened(ws);
    ws.send(JSON.stringify({ text: ' ', generation_config: { chunk_length_schedule: [50] } }));
    ws.send(JSON.stringify({ text: 'Short. ' }));
    // A second message proves the first was read; still under 50 characters, so nothing may be rendered yet.
    ws.send(JSON.stringify({ text: 'Still short. ' }));
    await new Promise<void>((resolve) => {
      ws.send(JSON.stringify({ text: 'Now flushed. ', flush: true }));
      ws.on('message', () => resolve());
    });
    expect(replies[0]!.alignment!.chars.join('')).toBe('Short. Still short. Now flushed. ');
    ws.close();
  });

  it('closes with 1008 invalid_api_key for a wrong key, before any audio', async () => {
    const ws = open();
    const done = collect(ws);
    await opened(ws);
    ws.send(JSON.stringify({ text: ' ', xi_api_key: 'wrong' }));
    ws.send(JSON.stringify({ text: 'Hello there. ', flush: true }));
    const { replies, code, reason } = await done;
    expect(code).toBe(1008);
    expect(reason).toBe('invalid_api_key');
    expect(replies).toEqual([{ message: 'Invalid API key.', error: 'invalid_api_key', code: 1008 }]);
  });

  it('refuses a first message that is not the single-space BOS, and a message without text', async () => {
    const ws = open();
    const done = collect(ws);
    await opened(ws);
    ws.send(JSON.stringify({ text: 'Hello there. ', xi_api_key: 'xi-contract' }));
    expect(await done).toMatchObject({ code: 1008, reason: 'invalid_message' });

    const ws2 = open();
    const done2 = collect(ws2);
    await opened(ws2);
    ws2.send(JSON.stringify({ text: ' ', xi_api_key: 'xi-contract' }));
    ws2.send(JSON.stringify({ flush: true }));
    expect(await done2).toMatchObject({ code: 1008, reason: 'invalid_message' });
  });

  it('answers an unknown voice with 404 and an output_format outside the enum with 422 at the upgrade', async () => {
    expect(await upgradeStatus(open(undefined, 'voice1'))).toBe(404);
    expect(await upgradeStatus(open('output_format=ulaw_16000'))).toBe(422);
    expect(await upgradeStatus(open('output_format=ulaw_8000&inactivity_timeout=181'))).toBe(422);
  });

  it('closes an idle socket after inactivity_timeout with 1008 input_timeout_exceeded', async () => {
    const ws = open('output_format=ulaw_8000&inactivity_timeout=1');
    const done = collect(ws);
    await opened(ws);
    ws.send(JSON.stringify({ text: ' ', xi_api_key: 'xi-contract' }));
    const { code, reason, replies } = await done;
    expect(code).toBe(1008);
    expect(reason).toBe('input_timeout_exceeded');
    expect(replies[0]).toMatchObject({ error: 'input_timeout_exceeded' });
  });
});
