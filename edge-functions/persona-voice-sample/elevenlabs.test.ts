// The ElevenLabs client against a fake fetch: the request is the real API's shape, errors are never audio.
import { assert, assertEquals, assertMatch } from '../_shared/assert.ts';
import { elevenLabsSpeech, SpeechError } from './elevenlabs.ts';

const REQ = { voiceId: 'TxGEqnHWrfWFTfGW9XjX', modelId: 'eleven_flash_v2_5', text: 'Hi there.', settings: { stability: 0.4, similarityBoost: 0.8, style: 0.1, speed: 1.05 } };

function fakeFetch(res: () => Response, seen: { url: string; init: RequestInit }[] = []): typeof fetch {
  return ((url: string, init: RequestInit) => { seen.push({ url, init }); return Promise.resolve(res()); }) as typeof fetch;
}

async function refusal(p: Promise<unknown>): Promise<SpeechError> {
  try {
    await p;
  } catch (err) {
    assert(err instanceof SpeechError, `expected a SpeechError, got ${err}`);
    return err;
  }
  throw new Error('expected the request to fail');
}

Deno.test('asks for telephone μ-law with the key header, the model and the voice settings', async () => {
  const seen: { url: string; init: RequestInit }[] = [];
  const tts = elevenLabsSpeech({ baseUrl: 'https://api.elevenlabs.io/', apiKey: 'xi-key', fetch: fakeFetch(() => new Response(new Uint8Array([1, 2, 3]), { headers: { 'content-type': 'audio/basic' } }), seen) });
  assertEquals([...(await tts.mulaw8k(REQ))], [1, 2, 3]);
  assertEquals(seen[0]!.url, 'https://api.elevenlabs.io/v1/text-to-speech/TxGEqnHWrfWFTfGW9XjX/stream?output_format=ulaw_8000');
  assertEquals(seen[0]!.init.method, 'POST');
  assertEquals((seen[0]!.init.headers as Record<string, string>)['xi-api-key'], 'xi-key');
  assertEquals(JSON.parse(String(seen[0]!.init.body)), {
    text: 'Hi there.', model_id: 'eleven_flash_v2_5',
    voice_settings: { stability: 0.4, similarity_boost: 0.8, style: 0.1, speed: 1.05 }
  });
});

Deno.test('an error answer becomes a SpeechError with its status, never audio', async () => {
  const tts = elevenLabsSpeech({ baseUrl: 'http://x', apiKey: 'k', fetch: fakeFetch(() => new Response('{"detail":{"status":"invalid_api_key"}}', { status: 401 })) });
  const err = await refusal(tts.mulaw8k(REQ));
  assertEquals(err.status, 401);
  assertMatch(err.message, /HTTP 401: .*invalid_api_key/);
});

Deno.test('an unreachable vendor or an oversized answer is a SpeechError', async () => {
  const down = elevenLabsSpeech({ baseUrl: 'http://x', apiKey: 'k', fetch: (() => Promise.reject(new TypeError('connection refused'))) as typeof fetch });
  assertMatch((await refusal(down.mulaw8k(REQ))).message, /request failed: connection refused/);
  const huge = elevenLabsSpeech({ baseUrl: 'http://x', apiKey: 'k', maxBytes: 4, fetch: fakeFetch(() => new Response(new Uint8Array(10))) });
  assertMatch((await refusal(huge.mulaw8k(REQ))).message, /more than 4 bytes/);
});
