import { describe, expect, it } from 'vitest';
import { renderComponent } from './render_ssr.ts';
import { loadVoiceSample, releaseTurn, sampleEndpoint, sampleMemory, sampleQuery, takeTurn, type SampleEndpoint } from './voice_sample.ts';

const BRAD = 'a0000000-0000-4000-8000-000000000001';
const RIFF = new Uint8Array([0x52, 0x49, 0x46, 0x46, 1, 0, 0, 0]);

function endpoint(answer: () => Response | Promise<Response>, token: string | null = 'tok-1') {
  const seen: { url: string; headers: Record<string, string> }[] = [];
  const ep: SampleEndpoint = {
    supabaseUrl: 'http://api.local/',
    anonKey: 'anon-key',
    accessToken: async () => token,
    fetch: (async (url: string, init: RequestInit) => {
      seen.push({ url, headers: init.headers as Record<string, string> });
      return answer();
    }) as typeof fetch
  };
  return { ep, seen };
}

const jsonError = (status: number, code: string, message: string) =>
  new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'content-type': 'application/json' } });

describe('sampleQuery', () => {
  it('writes settings with two decimals in a fixed order, leaving out what is missing', () => {
    expect(sampleQuery(BRAD, { voice_speed: 1.1, voice_stability: 0.333 })).toBe(`persona_id=${BRAD}&voice_stability=0.33&voice_speed=1.10`);
    expect(sampleQuery(BRAD)).toBe(`persona_id=${BRAD}`);
    expect(sampleQuery(BRAD, { voice_style: Number.NaN })).toBe(`persona_id=${BRAD}`);
  });

  it('asks for a bare voice by voice_id, for a persona not made yet', () => {
    expect(sampleQuery({ voiceId: '21m00Tcm4TlvDq8ikWAM' })).toBe('voice_id=21m00Tcm4TlvDq8ikWAM');
    expect(sampleQuery({ voiceId: '21m00Tcm4TlvDq8ikWAM' }, { voice_speed: 1.2 })).toBe('voice_id=21m00Tcm4TlvDq8ikWAM&voice_speed=1.20');
  });
});

describe('loadVoiceSample', () => {
  it('asks the function with the user token and gives an object URL of the audio', async () => {
    const { ep, seen } = endpoint(() => new Response(RIFF, { headers: { 'content-type': 'audio/wav' } }));
    const settings = { voice_stability: 0.41, voice_similarity_boost: 0.5, voice_style: 0, voice_speed: 1 };
    const r = await loadVoiceSample(ep, BRAD, settings);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.url).toMatch(/^blob:/);
    expect(seen[0]!.url).toBe(`http://api.local/functions/v1/persona-voice-sample?${sampleQuery(BRAD, settings)}`);
    expect(seen[0]!.headers).toEqual({ authorization: 'Bearer tok-1', apikey: 'anon-key' });
    const blob = await (await fetch(r.url)).blob();
    expect(blob.type).toBe('audio/wav');
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([...RIFF]);
    // Heard once: replayed from memory without asking again.
    const again = await loadVoiceSample(ep, BRAD, settings);
    expect(again).toEqual(r);
    expect(seen.length).toBe(1);
  });

  it('gives the server sentence for a refusal, by code', async () => {
    const { ep } = endpoint(() => jsonError(429, 'voice_sample_rate_limited', 'Wait an hour.'));
    expect(await loadVoiceSample(ep, BRAD, { voice_speed: 0.71 })).toEqual({ ok: false, error: { code: 'voice_sample_rate_limited', message: 'Wait an hour.' } });
  });

  it('falls back to the catalogue sentence when the answer is not ours', async () => {
    const { ep } = endpoint(() => new Response('<html>Bad gateway</html>', { status: 502 }));
    const r = await loadVoiceSample(ep, BRAD, { voice_speed: 0.72 });
    expect(r.ok ? null : r.error.code).toBe('voice_sample_unavailable');
    expect(r.ok ? null : r.error.message).toMatch(/^The voice sample could not be made right now/);
  });

  it('never hands a non-audio answer to the player', async () => {
    const { ep } = endpoint(() => new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } }));
    const r = await loadVoiceSample(ep, BRAD, { voice_speed: 0.73 });
    expect(r.ok).toBe(false);
  });

  it('asks for the default voice without a session, as a visitor (no Authorization header)', async () => {
    const { ep, seen } = endpoint(() => new Response(RIFF, { headers: { 'content-type': 'audio/wav' } }), null);
    const r = await loadVoiceSample(ep, 'a0000000-0000-4000-8000-000000000002');
    expect(r.ok).toBe(true);
    expect(seen).toEqual([{ url: 'http://api.local/functions/v1/persona-voice-sample?persona_id=a0000000-0000-4000-8000-000000000002', headers: { apikey: 'anon-key' } }]);
  });

  it('says to sign in when there is no session and settings are asked for, without asking the server', async () => {
    const { ep, seen } = endpoint(() => new Response(RIFF), null);
    const r = await loadVoiceSample(ep, BRAD, { voice_speed: 0.74 });
    expect(r.ok ? null : r.error.code).toBe('unauthenticated');
    expect(seen.length).toBe(0);
  });

  it('asks for a bare voice only with a session', async () => {
    const visitor = endpoint(() => new Response(RIFF), null);
    const refused = await loadVoiceSample(visitor.ep, { voiceId: '21m00Tcm4TlvDq8ikWAM' });
    expect(refused.ok ? null : refused.error.code).toBe('unauthenticated');
    expect(visitor.seen.length).toBe(0);
    const user = endpoint(() => new Response(RIFF, { headers: { 'content-type': 'audio/wav' } }));
    expect((await loadVoiceSample(user.ep, { voiceId: 'AZnzlk1XvdvUeBnXmlld' })).ok).toBe(true);
    expect(user.seen[0]!.url).toBe('http://api.local/functions/v1/persona-voice-sample?voice_id=AZnzlk1XvdvUeBnXmlld');
  });

  it('reports a network failure as one, and a cancelled load as aborted', async () => {
    const { ep } = endpoint(() => Promise.reject(new TypeError('Failed to fetch')));
    const r = await loadVoiceSample(ep, BRAD, { voice_speed: 0.75 });
    expect(r.ok ? null : r.error).toEqual({ code: 'network', message: 'We could not reach the service. Check your connection and try again.' });
    const aborting = endpoint(() => Promise.reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
    const a = await loadVoiceSample(aborting.ep, BRAD, { voice_speed: 0.76 });
    expect(a.ok ? null : a.error.code).toBe('aborted');
  });
});

describe('sampleMemory', () => {
  it('keeps the newest samples and releases the oldest', () => {
    const m = sampleMemory(2);
    const urls = [1, 2, 3].map((n) => URL.createObjectURL(new Blob([String(n)])));
    m.put('a', urls[0]!);
    m.put('b', urls[1]!);
    m.put('c', urls[2]!);
    expect(m.get('a')).toBeUndefined();
    expect(m.get('b')).toBe(urls[1]);
    expect(m.get('c')).toBe(urls[2]);
  });
});

describe('one sample at a time', () => {
  it('stops the one playing when another starts', () => {
    const stopped: string[] = [];
    const first = () => stopped.push('first');
    const second = () => stopped.push('second');
    takeTurn(first);
    takeTurn(second);
    expect(stopped).toEqual(['first']);
    releaseTurn(second);
    takeTurn(first);
    expect(stopped).toEqual(['first']);
    releaseTurn(first);
  });
});

describe('sampleEndpoint', () => {
  it('takes the token from the page session', async () => {
    const ep = sampleEndpoint({ auth: { getSession: async () => ({ data: { session: { access_token: 'abc' } } }) } }, { supabaseUrl: 'http://api', supabaseKey: 'k' });
    expect(await ep.accessToken()).toBe('abc');
    expect(ep.anonKey).toBe('k');
  });
});

describe('VoiceSample', () => {
  const props = { name: 'Brad', personaId: BRAD, endpoint: endpoint(() => new Response(RIFF)).ep };

  it('is a labelled button that does not submit the form it sits in', async () => {
    const html = await renderComponent('VoiceSample.svelte', props);
    expect(html).toMatch(/<button type="button"[^>]*data-state="idle"/);
    expect(html).toContain('Hear Brad\'s voice');
    expect(html).not.toContain('Stop');
  });

  it('has a polite live region for its error sentence, and takes a custom label', async () => {
    const html = await renderComponent('VoiceSample.svelte', { ...props, label: 'Hear Brad with these settings' });
    expect(html).toMatch(/id="voice-sample-error-a0000000-0000-4000-8000-000000000001" role="status" aria-live="polite"/);
    expect(html).toContain('Hear Brad with these settings');
  });
});
