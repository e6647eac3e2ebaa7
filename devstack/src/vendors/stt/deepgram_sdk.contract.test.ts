// Contract: the official @deepgram/sdk live client (listen v1) pointed at the stand-in streams telephone audio
// and receives Results (interim and final), UtteranceEnd and Metadata as from api.deepgram.com.
import { DeepgramClient } from '@deepgram/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeMulaw } from '../speech/espeak.ts';
import { startSttStandIn, type StandIn } from './server.ts';

interface Message {
  type: string;
  is_final?: boolean;
  speech_final?: boolean;
  channel?: { alternatives: { transcript: string }[] };
}

describe('Deepgram SDK live client against the STT stand-in', () => {
  let stt: StandIn;
  beforeAll(async () => { stt = await startSttStandIn({ apiKey: 'dg-contract' }); });
  afterAll(() => stt.close());

  it('streams μ-law with nova-3, keyterm, interim results and utterance_end_ms, and receives Results', async () => {
    const base = stt.url.replace(/^ws:/, 'http:');
    const client = new DeepgramClient({ apiKey: 'dg-contract', environment: { base, production: stt.url, agent: stt.url, agentRest: base } });
    const phrase = 'That sounds good. Tell me more.';
    const socket = await client.listen.v1.connect({
      model: 'nova-3', encoding: 'mulaw', sample_rate: 8000, channels: 1, keyterm: [phrase, 'Call Me Back'],
      interim_results: 'true', utterance_end_ms: 1000, endpointing: 300, vad_events: 'true', reconnectAttempts: 0
    } as Parameters<typeof client.listen.v1.connect>[0]);
    const messages: Message[] = [];
    let closed!: () => void;
    const done = new Promise<void>((r) => (closed = r));
    let sawUtteranceEnd!: () => void;
    const utteranceEnd = new Promise<void>((r) => (sawUtteranceEnd = r));
    socket.on('message', (m) => {
      messages.push(m as Message);
      if ((m as Message).type === 'UtteranceEnd') sawUtteranceEnd();
      if ((m as Message).type === 'Metadata') closed();
    });
    socket.connect();
    await socket.waitForOpen();

    const audio = Buffer.concat([Buffer.alloc(1600, 0xff), await synthesizeMulaw(phrase), Buffer.alloc(12_000, 0xff)]);
    for (let i = 0; i < audio.length; i += 1600) {
      socket.sendMedia(audio.subarray(i, i + 1600));
      await new Promise((r) => setTimeout(r, 50)); // 200 ms of audio every 50 ms: faster than real time, still streamed
    }
    await utteranceEnd;
    socket.sendCloseStream({ type: 'CloseStream' });
    await done;
    socket.close();

    const results = messages.filter((m) => m.type === 'Results');
    expect(results.some((m) => m.is_final === false)).toBe(true);
    const finals = results.filter((m) => m.is_final).map((m) => m.channel!.alternatives[0]!.transcript).filter(Boolean);
    expect(finals.join(' ')).toBe('that sounds good tell me more');
    expect(results.some((m) => m.speech_final === true)).toBe(true);
    expect(messages.map((m) => m.type)).toContain('SpeechStarted');
  }, 30_000);
});
