// persona-voice-sample with a fake store and a fake text-to-speech vendor: who may listen, what is refused before
// anything is paid for, and when the vendor is (not) called.
import { encodeMulaw } from '../../core/src/mulaw.ts';
import { readPcm16Wav } from '../../core/src/wav.ts';
import { assert, assertEquals, assertMatch } from '../_shared/assert.ts';
import { errorCode, untouchable } from '../_shared/fakes.ts';
import { sessionFor } from '../_shared/testing.ts';
import {
  handlePersonaVoiceSample, sampleCacheKey, sampleText, VOICE_PREVIEW_TEXT, type PersonaVoice, type SpeechRequest, type StoredSample,
  type VoiceSampleDeps, type VoiceSampleStore
} from './handler.ts';

const USER = '0b6f5f3c-4a57-4c5e-9f55-3d5a2f0c1e01';
const BRAD = 'a0000000-0000-4000-8000-000000000001';
const MODEL = 'eleven_flash_v2_5';
const BRAD_VOICE: PersonaVoice = {
  name: 'Brad',
  voiceId: 'TxGEqnHWrfWFTfGW9XjX',
  defaults: { stability: 0.5, similarityBoost: 0.75, style: 0, speed: 1 },
  saved: { stability: null, similarityBoost: null, style: null, speed: null }
};
// 0.1 s of a tone as telephone μ-law.
const TONE = encodeMulaw(Int16Array.from({ length: 800 }, (_, i) => Math.round(8000 * Math.sin(i / 3))));

interface Over {
  persona?: PersonaVoice | null;
  cached?: StoredSample | null;
  allowance?: boolean;
  speech?: (req: SpeechRequest) => Promise<Uint8Array>;
  saveFails?: boolean;
  blacklisted?: boolean;
}

function setup(over: Over = {}) {
  const s = sessionFor(USER);
  const calls = { persona: [] as (string | null)[][], cached: [] as string[], taken: [] as unknown[][], saved: [] as { cacheKey: string; characters: number }[], speech: [] as SpeechRequest[], log: [] as string[] };
  const store: VoiceSampleStore = {
    persona: async (id, user) => { calls.persona.push([id, user]); return over.persona === undefined ? BRAD_VOICE : over.persona; },
    cached: async (key) => { calls.cached.push(key); return over.cached ?? null; },
    takeSynthesis: async (...args) => { calls.taken.push(args); return over.allowance ?? true; },
    save: async (sample) => {
      if (over.saveFails) throw new Error('disk full');
      calls.saved.push({ cacheKey: sample.cacheKey, characters: sample.characters });
    }
  };
  const deps: VoiceSampleDeps = {
    session: { ...s.deps, isBlacklisted: () => Promise.resolve(over.blacklisted ?? false) },
    store,
    speech: { mulaw8k: over.speech ?? (async (req) => { calls.speech.push(req); return TONE; }) },
    modelId: MODEL,
    limits: { perUserPerWindow: 20, windowSeconds: 3600 },
    log: (line) => calls.log.push(line)
  };
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    handlePersonaVoiceSample(new Request('http://f/persona-voice-sample', {
      method: 'POST', body: JSON.stringify(body), headers: { authorization: s.authorization, ...headers }
    }), deps);
  const get = (query: string, headers: Record<string, string> = {}) =>
    handlePersonaVoiceSample(new Request(`http://f/persona-voice-sample?${query}`, { headers: { authorization: s.authorization, ...headers } }), deps);
  return { deps, calls, post, get };
}

function untouchedStoreDeps(): VoiceSampleDeps {
  return {
    session: sessionFor(USER).deps,
    store: untouchable<VoiceSampleStore>('store'),
    speech: untouchable<VoiceSampleDeps['speech']>('speech'),
    modelId: MODEL
  };
}

Deno.test('without a session nothing is looked up or synthesised', async () => {
  const res = await handlePersonaVoiceSample(new Request('http://f/persona-voice-sample', { method: 'POST', body: JSON.stringify({ persona_id: BRAD }) }), untouchedStoreDeps());
  assertEquals(res.status, 401);
  assertEquals(await errorCode(res), 'unauthenticated');
});

Deno.test('a visitor (GET without a session) hears the persona\'s default voice, without counting or customisation', async () => {
  const t = setup();
  const res = await handlePersonaVoiceSample(new Request(`http://f/persona-voice-sample?persona_id=${BRAD}`, { headers: { apikey: 'sb_publishable_x' } }), t.deps);
  assertEquals(res.status, 200);
  // The gateway may put the anon role in place of a bare apikey: still a visitor.
  const anonJwt = `e30.${btoa(JSON.stringify({ role: 'anon' }))}.sig`;
  const viaGateway = await handlePersonaVoiceSample(new Request(`http://f/persona-voice-sample?persona_id=${BRAD}`, { headers: { authorization: `Bearer ${anonJwt}` } }), t.deps);
  assertEquals(viaGateway.status, 200);
  assertEquals(res.headers.get('content-type'), 'audio/wav');
  assertEquals(t.calls.persona, [[BRAD, null], [BRAD, null]], 'looked up without a user: no saved customisation');
  assertEquals(t.calls.speech.map((r) => r.settings), [BRAD_VOICE.defaults, BRAD_VOICE.defaults]);
  assertEquals(t.calls.taken.length, 0, 'no account to count against: the default samples are one per persona');
  assertEquals(t.calls.saved.length, 2, 'kept, so the next visitor is served from the cache (this fake store never hits)');
});

Deno.test('a visitor may not choose settings or POST: that needs an account', async () => {
  const t = setup();
  const withSettings = await handlePersonaVoiceSample(new Request(`http://f/persona-voice-sample?persona_id=${BRAD}&voice_speed=1.2`), t.deps);
  assertEquals(withSettings.status, 401);
  const body = (await withSettings.json()) as { error: { code: string; message: string } };
  assertEquals(body.error, { code: 'unauthenticated', message: 'Sign in to hear a persona with voice settings of your own.' });
  const posted = await handlePersonaVoiceSample(new Request('http://f/persona-voice-sample', { method: 'POST', body: JSON.stringify({ persona_id: BRAD }) }), t.deps);
  assertEquals(posted.status, 401);
  assertEquals(t.calls.persona.length + t.calls.speech.length, 0, 'nothing looked up or synthesised');
});

Deno.test('a signed-out (blacklisted) session is refused', async () => {
  const t = setup({ blacklisted: true });
  const res = await t.post({ persona_id: BRAD });
  assertEquals(res.status, 401);
  assertEquals(await errorCode(res), 'session_revoked');
  assertEquals(t.calls.persona.length, 0);
  assertEquals(t.calls.speech.length, 0);
});

Deno.test('an unknown or hidden persona is not found; a malformed id never reaches the database', async () => {
  const t = setup({ persona: null });
  const res = await t.post({ persona_id: 'a0000000-0000-4000-8000-00000000ffff' });
  assertEquals(res.status, 404);
  assertEquals(await errorCode(res), 'persona_not_found');
  assertEquals(t.calls.persona, [['a0000000-0000-4000-8000-00000000ffff', USER]], 'looked up for this user');
  const s = sessionFor(USER);
  const deps = { ...untouchedStoreDeps(), session: s.deps };
  for (const id of ['brad', "1' or '1'='1", 42, null]) {
    const r = await handlePersonaVoiceSample(new Request('http://f/x', { method: 'POST', body: JSON.stringify({ persona_id: id }), headers: { authorization: s.authorization } }), deps);
    assertEquals(r.status, 404);
    assertEquals(await errorCode(r), 'persona_not_found');
  }
  assertEquals(t.calls.speech.length, 0);
});

Deno.test('out-of-range or malformed voice settings are refused before any lookup or synthesis', async () => {
  const t = setup();
  for (const [settings, sentence] of [
    [{ voice_speed: 1.5 }, /^Speed must be between 0\.7 and 1\.2\.$/],
    [{ voice_stability: -0.1 }, /^Stability must be between 0 and 1\.$/],
    [{ voice_style: '0.5' }, /^Style must be between 0 and 1\.$/],
    [{ pitch: 3 }, /^Unknown voice setting: pitch\./],
    ['loud', /object of numbers/]
  ] as const) {
    const res = await t.post({ persona_id: BRAD, voice_settings: settings });
    assertEquals(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assertEquals(body.error.code, 'voice_settings_invalid');
    assertMatch(body.error.message, sentence);
  }
  assertEquals(await errorCode(await t.get(`persona_id=${BRAD}&voice_speed=fast`)), 'voice_settings_invalid');
  assertEquals(t.calls.persona.length + t.calls.cached.length + t.calls.taken.length + t.calls.speech.length, 0, 'nothing touched');
});

Deno.test('a new sample is synthesised once with the persona voice and the settings sent, and kept', async () => {
  const t = setup();
  const res = await t.post({ persona_id: BRAD, voice_settings: { voice_stability: 0.3, voice_similarity_boost: 0.9, voice_style: 0.15, voice_speed: 1.1 } });
  assertEquals(res.status, 200);
  assertEquals(res.headers.get('content-type'), 'audio/wav');
  assertEquals(res.headers.get('x-voice-sample'), 'miss');
  assertEquals(res.headers.get('cache-control'), 'private, max-age=86400');
  assertMatch(res.headers.get('access-control-expose-headers') ?? '', /X-Voice-Sample/);
  const wav = readPcm16Wav(new Uint8Array(await res.arrayBuffer()));
  assert(wav, 'a 16-bit PCM WAV');
  assertEquals(wav.sampleRate, 8000);
  assertEquals(wav.samples.length, TONE.length);
  assertEquals(t.calls.speech, [{ voiceId: 'TxGEqnHWrfWFTfGW9XjX', modelId: MODEL, text: sampleText('Brad'), settings: { stability: 0.3, similarityBoost: 0.9, style: 0.15, speed: 1.1 } }]);
  const key = await sampleCacheKey('TxGEqnHWrfWFTfGW9XjX', MODEL, { stability: 0.3, similarityBoost: 0.9, style: 0.15, speed: 1.1 }, sampleText('Brad'));
  assertEquals(res.headers.get('etag'), `"${key}"`);
  assertEquals(t.calls.taken, [[USER, key, 20, 3600]]);
  assertEquals(t.calls.saved, [{ cacheKey: key, characters: sampleText('Brad').length }]);
});

Deno.test('settings left out come from the saved customisation, then the persona default', async () => {
  const t = setup({ persona: { ...BRAD_VOICE, saved: { stability: 0.2, similarityBoost: null, style: null, speed: 0.8 } } });
  const res = await t.post({ persona_id: BRAD, voice_settings: { voice_speed: 1.2 } });
  assertEquals(res.status, 200);
  assertEquals(t.calls.speech[0]?.settings, { stability: 0.2, similarityBoost: 0.75, style: 0, speed: 1.2 });
  // The answer depends on saved settings that may change, so the browser keeps it only briefly.
  assertEquals(res.headers.get('cache-control'), 'private, max-age=60');
});

Deno.test('a cached sample is served without calling the vendor or using the allowance', async () => {
  const audio = new Uint8Array([82, 73, 70, 70, 1, 2, 3]);
  const t = setup({ cached: { contentType: 'audio/wav', audio } });
  const res = await t.post({ persona_id: BRAD });
  assertEquals(res.status, 200);
  assertEquals(res.headers.get('x-voice-sample'), 'hit');
  assertEquals([...new Uint8Array(await res.arrayBuffer())], [...audio]);
  assertEquals(t.calls.speech.length, 0);
  assertEquals(t.calls.taken.length, 0);
  assertEquals(t.calls.cached.length, 1);
});

Deno.test('GET with the fields in the query works, and a matching If-None-Match gets 304 without the audio', async () => {
  const t = setup({ cached: { contentType: 'audio/wav', audio: new Uint8Array([1]) } });
  const res = await t.get(`persona_id=${BRAD}&voice_stability=0.5&voice_similarity_boost=0.75&voice_style=0&voice_speed=1`);
  assertEquals(res.status, 200);
  const etag = res.headers.get('etag')!;
  assertEquals(etag, `"${await sampleCacheKey(BRAD_VOICE.voiceId, MODEL, BRAD_VOICE.defaults, sampleText('Brad'))}"`);
  const again = await t.get(`persona_id=${BRAD}&voice_stability=0.5&voice_similarity_boost=0.75&voice_style=0&voice_speed=1`, { 'if-none-match': etag });
  assertEquals(again.status, 304);
  assertEquals(await again.text(), '');
  assertEquals(t.calls.cached.length, 1, 'a 304 does not read the cache');
});

Deno.test('when the hourly allowance is used up, nothing is synthesised and the code says so', async () => {
  const t = setup({ allowance: false });
  const res = await t.post({ persona_id: BRAD });
  assertEquals(res.status, 429);
  assertEquals(await errorCode(res), 'voice_sample_rate_limited');
  assertEquals(res.headers.get('retry-after'), '3600');
  assertEquals(t.calls.speech.length, 0);
  assertEquals(t.calls.saved.length, 0);
});

Deno.test('a vendor failure answers 503 with a sentence and keeps nothing', async () => {
  for (const speech of [
    () => Promise.reject(new Error('ElevenLabs answered HTTP 500: boom')),
    () => Promise.resolve(new Uint8Array(0))
  ]) {
    const t = setup({ speech });
    const res = await t.post({ persona_id: BRAD });
    assertEquals(res.status, 503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assertEquals(body.error.code, 'voice_sample_unavailable');
    assertMatch(body.error.message, /^The voice sample could not be made right now\./);
    assertEquals(t.calls.saved.length, 0);
    assertMatch(t.calls.log.join('\n'), /TxGEqnHWrfWFTfGW9XjX/);
  }
});

Deno.test('if keeping the sample fails, the paid-for audio is still served', async () => {
  const t = setup({ saveFails: true });
  const res = await t.post({ persona_id: BRAD });
  assertEquals(res.status, 200);
  assertEquals(res.headers.get('content-type'), 'audio/wav');
  assertMatch(t.calls.log.join('\n'), /could not cache/);
});

Deno.test('other methods are refused', async () => {
  const res = await handlePersonaVoiceSample(new Request('http://f/x', { method: 'DELETE' }), untouchedStoreDeps());
  assertEquals(await errorCode(res), 'invalid_input');
});

Deno.test('the cache key changes with anything that changes the audio, and only then', async () => {
  const d = BRAD_VOICE.defaults;
  const base = await sampleCacheKey('v1', MODEL, d, 'hi');
  assertMatch(base, /^[0-9a-f]{64}$/);
  assertEquals(await sampleCacheKey('v1', MODEL, { ...d }, 'hi'), base);
  const others = await Promise.all([
    sampleCacheKey('v2', MODEL, d, 'hi'), sampleCacheKey('v1', 'eleven_turbo_v2_5', d, 'hi'),
    sampleCacheKey('v1', MODEL, { ...d, speed: 1.05 }, 'hi'), sampleCacheKey('v1', MODEL, d, 'hello')
  ]);
  assertEquals(new Set([base, ...others]).size, 5);
});

Deno.test('a signed-in user hears a voice from the list before any persona has it, with the new-persona settings', async () => {
  const t = setup();
  const res = await t.get('voice_id=21m00Tcm4TlvDq8ikWAM');
  assertEquals(res.status, 200);
  assertEquals(res.headers.get('content-type'), 'audio/wav');
  const settings = { stability: 0.5, similarityBoost: 0.75, style: 0, speed: 1 };
  assertEquals(t.calls.speech, [{ voiceId: '21m00Tcm4TlvDq8ikWAM', modelId: MODEL, text: VOICE_PREVIEW_TEXT, settings }]);
  assertEquals(t.calls.persona.length, 0, 'no persona is looked up');
  const key = await sampleCacheKey('21m00Tcm4TlvDq8ikWAM', MODEL, settings, VOICE_PREVIEW_TEXT);
  assertEquals(t.calls.taken, [[USER, key, 20, 3600]], 'a new synthesis counts towards the hour');
  // Nothing saved shapes it: the browser may keep it.
  assertEquals(res.headers.get('cache-control'), 'private, max-age=86400');
  // Settings being tried out apply too.
  await t.post({ voice_id: '21m00Tcm4TlvDq8ikWAM', voice_settings: { voice_speed: 1.2 } });
  assertEquals(t.calls.speech[1]?.settings, { ...settings, speed: 1.2 });
});

Deno.test('a voice preview is refused to visitors, with a malformed id, or beside a persona id, before anything is paid', async () => {
  const t = setup();
  const visitor = await handlePersonaVoiceSample(new Request('http://f/persona-voice-sample?voice_id=21m00Tcm4TlvDq8ikWAM'), t.deps);
  assertEquals(visitor.status, 401);
  assertEquals(await errorCode(visitor), 'unauthenticated');
  for (const bad of ['x', '21m00Tcm4Tlv/../../v1/user', 'a'.repeat(65)]) {
    const res = await t.get(`voice_id=${encodeURIComponent(bad)}`);
    assertEquals(res.status, 400, bad);
    assertEquals(await errorCode(res), 'invalid_input');
  }
  const post = await t.post({ voice_id: 42 });
  assertEquals(await errorCode(post), 'invalid_input');
  const both = await t.post({ voice_id: '21m00Tcm4TlvDq8ikWAM', persona_id: BRAD });
  assertEquals(both.status, 400);
  assertEquals(await errorCode(both), 'invalid_input');
  assertEquals(t.calls.persona.length + t.calls.cached.length + t.calls.taken.length + t.calls.speech.length, 0, 'nothing touched');
});
