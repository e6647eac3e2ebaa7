import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeMulaw } from '../speech/espeak.ts';
import { startTtsStandIn, type StandIn } from './server.ts';

describe('ElevenLabs-compatible TTS stand-in', () => {
  let tts: StandIn;
  beforeAll(async () => { tts = await startTtsStandIn({ apiKey: 'xi', latencyMs: 80 }); });
  afterAll(() => tts.close());
  const post = (path: string, body: unknown, key = 'xi') => fetch(`${tts.url}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'xi-api-key': key }, body: JSON.stringify(body)
  });

  it('streams raw μ-law 8 kHz audio of the text after the first-byte latency', async () => {
    await synthesizeMulaw('Good morning!', { voice: 'en-us' }); // warm the render cache so only the latency is timed
    const t0 = performance.now();
    const res = await post('/v1/text-to-speech/voice-a/stream?output_format=ulaw_8000', { text: 'Good morning!' });
    expect(res.status).toBe(200);
    expect(res.headers.get('character-cost')).toBe('13');
    const audio = Buffer.from(await res.arrayBuffer());
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
    expect(audio.length).toBeGreaterThan(4000); // about a second at 8,000 bytes/s
    expect(audio.subarray(0, 4).toString('latin1')).not.toBe('RIFF');
  });

  it('refuses a missing key, another output format and empty text', async () => {
    expect((await post('/v1/text-to-speech/v/stream?output_format=ulaw_8000', { text: 'hi' }, '')).status).toBe(401);
    expect((await post('/v1/text-to-speech/v/stream?output_format=mp3_44100_128', { text: 'hi' })).status).toBe(422);
    const empty = await post('/v1/text-to-speech/v/stream?output_format=ulaw_8000', { text: ' ' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { detail: { status: string } }).detail.status).toBe('invalid_text');
  });
});
