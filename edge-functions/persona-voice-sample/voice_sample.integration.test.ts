// Voice samples through the real path: Auth issues the session, the gateway checks the JWT and runs the function,
// which asks the text-to-speech stand-in once and serves the cache after that.
import { readPcm16Wav } from '../../core/src/wav.ts';
import { assert, assertEquals, assertMatch } from '../_shared/assert.ts';
import { signUp, stackEnv, testPool } from '../_shared/testing.ts';
import { NEW_PERSONA_VOICE_SETTINGS } from '../../core/src/voice_settings.ts';
import { DEFAULT_SAMPLE_LIMITS, sampleCacheKey, sampleText, VOICE_PREVIEW_TEXT } from './handler.ts';

const db = testPool();
const opts = { sanitizeResources: false, sanitizeOps: false };
const API = stackEnv('SUPABASE_URL');
const ANON = stackEnv('SUPABASE_ANON_KEY');
const FN = `${API}/functions/v1/persona-voice-sample`;
const BRAD = 'a0000000-0000-4000-8000-000000000001';

function sample(token: string, body: unknown): Promise<Response> {
  return fetch(FN, { method: 'POST', headers: { authorization: `Bearer ${token}`, apikey: ANON, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function codeOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

/** Settings nobody else asks for, with the cache row for them removed, so the first request is a real miss. */
async function freshSettings() {
  const settings = { voice_stability: Math.floor(Math.random() * 101) / 100, voice_similarity_boost: Math.floor(Math.random() * 101) / 100, voice_style: 0.37, voice_speed: 0.93 };
  const voice = (await db.query<{ voice_id: string; name: string }>('select voice_id, name from public.personas where id = $1', [BRAD])).rows[0]!;
  const key = await sampleCacheKey(voice.voice_id, Deno.env.get('ELEVENLABS_MODEL_ID') ?? 'eleven_flash_v2_5',
    { stability: settings.voice_stability, similarityBoost: settings.voice_similarity_boost, style: settings.voice_style, speed: settings.voice_speed },
    sampleText(voice.name));
  await db.query('delete from private.voice_samples where cache_key = $1', [key]);
  return { settings, key };
}

const syntheses = async (userId: string) =>
  (await db.query<{ n: number }>('select count(*)::int as n from private.voice_sample_syntheses where user_id = $1', [userId])).rows[0]!.n;

Deno.test({ ...opts, name: 'a signed-in user hears Brad: playable WAV audio, made once and then served from the cache', fn: async () => {
  const u = await signUp('voice-sample');
  const { settings, key } = await freshSettings();

  const first = await sample(u.token, { persona_id: BRAD, voice_settings: settings });
  assertEquals(first.status, 200, await first.clone().text().then((t) => t.slice(0, 200)));
  assertMatch(first.headers.get('content-type') ?? '', /^audio\/wav/);
  assertEquals(first.headers.get('x-voice-sample'), 'miss');
  assertEquals(first.headers.get('etag'), `"${key}"`);
  assertMatch(first.headers.get('cache-control') ?? '', /^private, max-age=\d+/);
  const bytes = new Uint8Array(await first.arrayBuffer());
  assertEquals(new TextDecoder().decode(bytes.subarray(0, 4)), 'RIFF');
  const wav = readPcm16Wav(bytes);
  assert(wav, 'a 16-bit PCM WAV file');
  assertEquals(wav.sampleRate, 8000);
  assert(wav.samples.length > 8000, `at least a second of speech, got ${wav.samples.length} samples`);
  assert(wav.samples.some((s) => Math.abs(s) > 1000), 'the audio is not silence');
  assertEquals(await syntheses(u.userId), 1);

  const second = await sample(u.token, { persona_id: BRAD, voice_settings: settings });
  assertEquals(second.status, 200);
  assertEquals(second.headers.get('x-voice-sample'), 'hit');
  assertEquals([...new Uint8Array(await second.arrayBuffer())].length, bytes.length);
  assertEquals(await syntheses(u.userId), 1, 'the cached sample cost nothing');

  // The same sample by GET, as a browser fetches it, and a revalidation that sends no audio.
  const q = new URLSearchParams({ persona_id: BRAD, ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, String(v)])) });
  const viaGet = await fetch(`${FN}?${q}`, { headers: { authorization: `Bearer ${u.token}`, apikey: ANON, 'if-none-match': `"${key}"` } });
  assertEquals(viaGet.status, 304);
  await viaGet.body?.cancel();
  const row = (await db.query('select content_type, octet_length(audio)::int as size, characters from private.voice_samples where cache_key = $1', [key])).rows[0];
  assertEquals(row, { content_type: 'audio/wav', size: bytes.length, characters: sampleText('Brad').length });
}});

Deno.test({ ...opts, name: 'unknown personas, bad settings and the hourly limit are refused with their codes, costing nothing', fn: async () => {
  const u = await signUp('voice-sample-refusals');
  const unknown = await sample(u.token, { persona_id: 'a0000000-0000-4000-8000-00000000ffff' });
  assertEquals(unknown.status, 404);
  assertEquals(await codeOf(unknown), 'persona_not_found');
  const bad = await sample(u.token, { persona_id: BRAD, voice_settings: { voice_speed: 2 } });
  assertEquals(bad.status, 400);
  assertEquals(await codeOf(bad), 'voice_settings_invalid');
  assertEquals(await syntheses(u.userId), 0);

  await db.query(`insert into private.voice_sample_syntheses (user_id, cache_key) select $1, 'earlier' from generate_series(1, $2)`,
    [u.userId, DEFAULT_SAMPLE_LIMITS.perUserPerWindow]);
  const { settings } = await freshSettings();
  const limited = await sample(u.token, { persona_id: BRAD, voice_settings: settings });
  assertEquals(limited.status, 429);
  assertEquals(await codeOf(limited), 'voice_sample_rate_limited');
  assertEquals(await syntheses(u.userId), DEFAULT_SAMPLE_LIMITS.perUserPerWindow, 'the refusal was not counted');
}});

Deno.test({ ...opts, name: 'a persona a user created is heard by its owner only, not by other users or visitors', fn: async () => {
  const owner = await signUp('voice-sample-own');
  const other = await signUp('voice-sample-other');
  const id = (await db.query<{ id: string }>(
    `insert into public.personas (owner_id, name, voice_id, description, system_prompt)
     values ($1, 'Nova', 'EXAVITQu4vr4xnSDxMaL', 'calm', 'A calm astronaut.') returning id`, [owner.userId])).rows[0]!.id;
  assertEquals((await sample(owner.token, { persona_id: id })).status, 200);
  const theirs = await sample(other.token, { persona_id: id });
  assertEquals(theirs.status, 404);
  assertEquals(await codeOf(theirs), 'persona_not_found');
  const visitor = await fetch(`${FN}?persona_id=${id}`, { headers: { apikey: ANON } });
  assertEquals(visitor.status, 404);
  assertEquals(await codeOf(visitor), 'persona_not_found');
}});

Deno.test({ ...opts, name: 'a visitor with only the publishable key hears a persona\'s default voice, and nothing else', fn: async () => {
  const heard = await fetch(`${FN}?persona_id=${BRAD}`, { headers: { apikey: ANON } });
  assertEquals(heard.status, 200);
  assertEquals(heard.headers.get('content-type'), 'audio/wav');
  const wav = readPcm16Wav(new Uint8Array(await heard.arrayBuffer()));
  assert(wav && wav.samples.length > 8000, 'seconds of 8 kHz audio');
  const tuned = await fetch(`${FN}?persona_id=${BRAD}&voice_speed=1.2`, { headers: { apikey: ANON } });
  assertEquals(tuned.status, 401);
  assertEquals(await codeOf(tuned), 'unauthenticated');
}});

Deno.test({ ...opts, name: 'no session, or a signed-out one, gets no audio', fn: async () => {
  const anonymous = await fetch(FN, { method: 'POST', headers: { apikey: ANON, authorization: `Bearer ${ANON}`, 'content-type': 'application/json' }, body: JSON.stringify({ persona_id: BRAD }) });
  assertEquals(anonymous.status, 401);
  await anonymous.body?.cancel();
  const u = await signUp('voice-sample-signed-out');
  const out = await fetch(`${API}/auth/v1/logout`, { method: 'POST', headers: { apikey: ANON, authorization: `Bearer ${u.token}` } });
  assert(out.ok, `sign-out failed: ${out.status}`);
  await out.body?.cancel();
  const after = await sample(u.token, { persona_id: BRAD });
  assertEquals(after.status, 401);
  assertMatch(await codeOf(after), /^(session_revoked|unauthenticated)$/);
}});


Deno.test({ ...opts, name: 'a voice from the vendor\'s list is heard before a persona has it; a voice the vendor does not have is not', fn: async () => {
  const u = await signUp('voice-preview');
  const voiceId = '21m00Tcm4TlvDq8ikWAM'; // Rachel, in the text-to-speech stand-in's list as in the vendor's
  const key = await sampleCacheKey(voiceId, Deno.env.get('ELEVENLABS_MODEL_ID') ?? 'eleven_flash_v2_5', NEW_PERSONA_VOICE_SETTINGS, VOICE_PREVIEW_TEXT);
  await db.query('delete from private.voice_samples where cache_key = $1', [key]);
  const res = await fetch(`${FN}?voice_id=${voiceId}`, { headers: { authorization: `Bearer ${u.token}`, apikey: ANON } });
  assertEquals(res.status, 200);
  assertEquals(res.headers.get('content-type'), 'audio/wav');
  const wav = readPcm16Wav(new Uint8Array(await res.arrayBuffer()));
  assert(wav && wav.samples.length > 8000, 'at least a second of telephone audio');
  assertEquals(await syntheses(u.userId), 1);

  const unknown = await fetch(`${FN}?voice_id=NoSuchVoice000000000`, { headers: { authorization: `Bearer ${u.token}`, apikey: ANON } });
  assertEquals(unknown.status, 503);
  assertEquals(await codeOf(unknown), 'voice_sample_unavailable');
}});

Deno.test({ ...opts, name: 'a new persona\'s voice settings in the preview are the personas table\'s column defaults', fn: async () => {
  const r = await db.query<{ column_name: string; d: string }>(
    `select column_name, column_default as d from information_schema.columns
      where table_schema = 'public' and table_name = 'personas' and column_name like 'default\\_voice\\_%'`);
  const defaults = Object.fromEntries(r.rows.map((row) => [row.column_name, Number(row.d.replace(/::numeric$/, '').replace(/'/g, ''))]));
  assertEquals(defaults, {
    default_voice_stability: NEW_PERSONA_VOICE_SETTINGS.stability,
    default_voice_similarity_boost: NEW_PERSONA_VOICE_SETTINGS.similarityBoost,
    default_voice_style: NEW_PERSONA_VOICE_SETTINGS.style,
    default_voice_speed: NEW_PERSONA_VOICE_SETTINGS.speed
  });
}});

Deno.test({ ...opts, name: 'close the pool', fn: async () => { await db.end(); } });
