import { assert, assertEquals } from '../_shared/assert.ts';
import { elevenLabsVoiceList, parseVoiceList, VoiceListError } from './voice_list.ts';

Deno.test('the list keeps well-formed voices, sorted by name, and drops the rest', () => {
  const voices = parseVoiceList({ voices: [
    { voice_id: 'b', name: 'Zed', labels: { gender: 'male', accent: 'british' } },
    { voice_id: 'a', name: ' Amy ', labels: {} },
    { voice_id: 'bad id!', name: 'X' },
    { voice_id: 'c', name: '' },
    null
  ] });
  assertEquals(voices, [
    { voice_id: 'a', name: 'Amy', gender: null, accent: null },
    { voice_id: 'b', name: 'Zed', gender: 'male', accent: 'british' }
  ]);
});

Deno.test('a vendor error is a VoiceListError, and a good answer is kept for a while', async () => {
  let calls = 0;
  let status = 500;
  let now = 0;
  const list = elevenLabsVoiceList({
    baseUrl: 'http://tts.local/', apiKey: 'k', now: () => now, cacheMs: 1000,
    fetch: (input, init) => {
      calls++;
      assertEquals(String(input), 'http://tts.local/v1/voices');
      assertEquals(new Headers(init?.headers).get('xi-api-key'), 'k');
      return Promise.resolve(new Response(status === 200 ? JSON.stringify({ voices: [{ voice_id: 'a', name: 'Amy' }] }) : 'nope', { status }));
    }
  });
  assert(await list.voices().then(() => false, (e) => e instanceof VoiceListError), 'a VoiceListError');
  status = 200;
  assertEquals((await list.voices()).length, 1);
  now = 500;
  await list.voices();
  assertEquals(calls, 2);
  now = 2000;
  await list.voices();
  assertEquals(calls, 3);
});
