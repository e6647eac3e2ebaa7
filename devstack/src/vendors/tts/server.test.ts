import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeMulaw } from '../speech/espeak.ts';
import { startTtsStandIn, type StandIn } from './server.ts';
import { espeakVoiceFor, PREMADE_VOICES } from './voice_catalogue.ts';

const RACHEL = PREMADE_VOICES.find((v) => v.name === 'Rachel')!;

describe('ElevenLabs-compatible TTS stand-in', () => {
  let tts: StandIn;
  beforeAll(async () => { tts = await startTtsStandIn({ apiKey: 'xi', latencyMs: 80 }); });
  afterAll(() => tts.close());
  const post = (path: string, body: unknown, key = 'xi') => fetch(`${tts.url}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'xi-api-key': key }, body: JSON.stringify(body)
  });

  it('streams raw μ-law 8 kHz audio of the text after the first-byte latency', async () => {
    await synthesizeMulaw('Good morning!', { voice: espeakVoiceFor(RACHEL) }); // warm the render cache so only the latency is timed
    const t0 = performance.now();
    const res = await post(`/v1/text-to-speech/${RACHEL.voice_id}/stream?output_format=ulaw_8000`, { text: 'Good morning!' });
    expect(res.status).toBe(200);
    expect(res.headers.get('character-cost')).toBe('13');
    const audio = Buffer.from(await res.arrayBuffer());
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
    expect(audio.length).toBeGreaterThan(4000); // about a second at 8,000 bytes/s
    expect(audio.subarray(0, 4).toString('latin1')).not.toBe('RIFF');
  });

  it('renders 16 kHz PCM at twice the bytes per second of 8 kHz μ-law, and WAV only without streaming', async () => {
    const ulaw = Buffer.from(await (await post(`/v1/text-to-speech/${RACHEL.voice_id}/stream?output_format=ulaw_8000`, { text: 'Good morning!' })).arrayBuffer());
    const pcm = Buffer.from(await (await post(`/v1/text-to-speech/${RACHEL.voice_id}/stream?output_format=pcm_16000`, { text: 'Good morning!' })).arrayBuffer());
    expect(pcm.length / ulaw.length).toBeCloseTo(4, 1); // 2 bytes a sample, twice the samples
    const wav = await post(`/v1/text-to-speech/${RACHEL.voice_id}?output_format=wav_16000`, { text: 'Good morning!' });
    expect(Buffer.from(await wav.arrayBuffer()).subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect((await post(`/v1/text-to-speech/${RACHEL.voice_id}/stream?output_format=wav_16000`, { text: 'hi' })).status).toBe(422);
  });

  it('refuses an unknown voice with 404 voice_not_found', async () => {
    const res = await post('/v1/text-to-speech/brad-voice/stream?output_format=ulaw_8000', { text: 'hi' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: { status: 'voice_not_found', message: 'A voice with the voice_id brad-voice was not found.' } });
  });

  it('refuses a missing key, an unknown output format, one it cannot encode, and empty text', async () => {
    const path = (f: string) => `/v1/text-to-speech/${RACHEL.voice_id}/stream?output_format=${f}`;
    expect((await post(path('ulaw_8000'), { text: 'hi' }, '')).status).toBe(401);
    const unknown = await post(path('ulaw_16000'), { text: 'hi' });
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { detail: { loc: string[]; input: string }[] }).detail[0]).toMatchObject({ loc: ['query', 'output_format'], input: 'ulaw_16000' });
    expect((await post(path('mp3_44100_128'), { text: 'hi' })).status).toBe(422);
    const empty = await post(path('ulaw_8000'), { text: ' ' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { detail: { status: string } }).detail.status).toBe('invalid_text');
  });

  it('lists the voices it knows, including every seeded persona voice', async () => {
    const res = await fetch(`${tts.url}/v1/voices`, { headers: { 'xi-api-key': 'xi' } });
    const ids = ((await res.json()) as { voices: { voice_id: string }[] }).voices.map((v) => v.voice_id);
    // Persona rows: (id, slug, name, voice_id, ...).
    const seedSql = readFileSync(new URL('../../../../supabase/seed.sql', import.meta.url), 'utf8');
    const seed = seedSql.slice(seedSql.indexOf('insert into public.personas'), seedSql.indexOf('on conflict', seedSql.indexOf('insert into public.personas')));
    const seeded = [...seed.matchAll(/\('[0-9a-f-]{36}', '[a-z_-]+', '[^']+', '([A-Za-z0-9]+)',/g)].map((m) => m[1]!);
    expect(seeded.length).toBeGreaterThanOrEqual(7);
    for (const id of seeded) expect(ids).toContain(id);
  });
});
