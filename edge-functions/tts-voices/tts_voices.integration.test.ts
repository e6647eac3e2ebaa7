// The voice list through the gateway, from the ElevenLabs stand-in's GET /v1/voices with the functions' key.
import { assert, assertEquals } from '../_shared/assert.ts';
import { projectKeysFrom, requirePublishableKey } from '../_shared/project_keys.ts';
import { signUp, stackEnv } from '../_shared/testing.ts';

const FN = `${stackEnv('SUPABASE_URL')}/functions/v1/tts-voices`;
const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({ ...opts, name: 'a signed-in user gets the vendor voices by name, with no key or account detail', fn: async () => {
  const u = await signUp('voices');
  const res = await fetch(FN, { headers: { apikey: requirePublishableKey(projectKeysFrom()), authorization: `Bearer ${u.token}` } });
  assertEquals(res.status, 200);
  const { voices } = (await res.json()) as { voices: Record<string, unknown>[] };
  assert(voices.length >= 20, 'the premade voices');
  assertEquals(voices.find((v) => v.voice_id === '21m00Tcm4TlvDq8ikWAM'), { voice_id: '21m00Tcm4TlvDq8ikWAM', name: 'Rachel', gender: 'female', accent: 'american' });
  const names = voices.map((v) => String(v.name));
  assertEquals(names, [...names].sort((a, b) => a.localeCompare(b, 'en')));
  for (const v of voices) assertEquals(Object.keys(v).sort(), ['accent', 'gender', 'name', 'voice_id']);
}});

Deno.test({ ...opts, name: 'a visitor without a session gets no voices', fn: async () => {
  const res = await fetch(FN, { headers: { apikey: requirePublishableKey(projectKeysFrom()) } });
  assertEquals(res.status, 401);
  assertEquals(((await res.json()) as { error: { code: string } }).error.code, 'unauthenticated');
}});
