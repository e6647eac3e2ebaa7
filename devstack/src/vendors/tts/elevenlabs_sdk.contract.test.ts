// Contract: the official @elevenlabs/elevenlabs-js SDK pointed at the stand-in gets what api.elevenlabs.io gives
// it: audio for a known voice, a 404 voice_not_found for an unknown one, PCM when asked for it.
import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTtsStandIn, type StandIn } from './server.ts';

describe('ElevenLabs SDK against the TTS stand-in', () => {
  let tts: StandIn;
  beforeAll(async () => { tts = await startTtsStandIn({ apiKey: 'xi-contract' }); });
  afterAll(() => tts.close());
  const client = (apiKey = 'xi-contract') => new ElevenLabsClient({ apiKey, baseUrl: tts.url, maxRetries: 0 });

  async function drain(stream: ReadableStream<Uint8Array>): Promise<{ bytes: number; chunks: number }> {
    let bytes = 0;
    let chunks = 0;
    for await (const c of stream as unknown as AsyncIterable<Uint8Array>) {
      bytes += c.length;
      chunks += 1;
    }
    return { bytes, chunks };
  }

  it('streams μ-law audio for a premade voice the personas use', async () => {
    const stream = await client().textToSpeech.stream('EXAVITQu4vr4xnSDxMaL', {
      text: 'Hello there, this is Sarah calling you back.', modelId: 'eleven_flash_v2_5', outputFormat: 'ulaw_8000'
    });
    const { bytes, chunks } = await drain(stream);
    expect(bytes).toBeGreaterThan(16_000); // more than two seconds at 8,000 bytes/s
    expect(chunks).toBeGreaterThan(1);
  });

  it('refuses an unknown voice with status 404 and voice_not_found', async () => {
    const err = await client().textToSpeech.stream('voice1', { text: 'Hi.', outputFormat: 'ulaw_8000' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ElevenLabsError);
    expect(err).toMatchObject({ statusCode: 404, body: { detail: { status: 'voice_not_found', message: 'A voice with the voice_id voice1 was not found.' } } });
  });

  it('renders the PCM formats the SDK offers (it refuses values outside its enum itself)', async () => {
    const stream = await client().textToSpeech.stream('21m00Tcm4TlvDq8ikWAM', { text: 'Hello there.', outputFormat: 'pcm_16000' });
    const { bytes } = await drain(stream);
    expect(bytes).toBeGreaterThan(16_000); // 32,000 bytes a second of 16-bit samples
    expect(bytes % 2).toBe(0);
  });

  it('lists the premade voices with their ids and names', async () => {
    const { voices } = await client().voices.getAll();
    expect(voices.find((v) => v.voiceId === '21m00Tcm4TlvDq8ikWAM')).toMatchObject({ name: 'Rachel', category: 'premade' });
    expect(voices.length).toBeGreaterThan(10);
  });

  it('refuses a wrong key with 401', async () => {
    const err = await client('wrong').textToSpeech.stream('EXAVITQu4vr4xnSDxMaL', { text: 'Hi.', outputFormat: 'ulaw_8000' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 401 });
  });
});
