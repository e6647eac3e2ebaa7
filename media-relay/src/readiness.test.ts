// Readiness against real HTTP servers on ephemeral ports: a vendor that answers (whatever its status below 500), one
// that answers 5xx, one that never answers, and a port nobody listens on.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { anyOf, createReadiness, httpReachable, probeUrl, relayDependencies, type Dependency } from './readiness.ts';

const servers: Server[] = [];

async function vendor(status: number | 'hang'): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    if (status === 'hang') return; // accepts the request and never answers
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

/** A port that was free a moment ago and is closed now: connecting to it is refused. */
async function closedPort(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

function config(urls: { stt: string; tts: string; llm: string; fallback?: string }) {
  return {
    stt: { provider: 'deepgram' as const, baseUrl: urls.stt.replace(/^http/, 'ws'), apiKey: 'k', model: 'nova-3', endpointingMs: 500, utteranceEndMs: 1000, keyterms: [] },
    tts: { provider: 'elevenlabs' as const, baseUrl: urls.tts, apiKey: 'k', modelId: 'm', defaultVoiceId: 'v' },
    llm: {
      provider: 'cerebras' as const, baseUrl: `${urls.llm}/v1`, apiKey: 'k', model: 'gpt-oss-120b', maxCompletionTokens: 512, reasoningEffort: null, maxRetries: 1, firstTokenTimeoutMs: 1500,
      fallback: urls.fallback ? { provider: 'openai' as const, baseUrl: `${urls.fallback}/v1`, apiKey: 'k', model: 'gpt-6-luna', maxCompletionTokens: 512, reasoningEffort: null } : null
    },
    browser: null
  };
}

describe('readiness', () => {
  it('is ready when the database answers and every vendor answers HTTP, a 404 or 401 included', async () => {
    const [stt, tts, llm] = await Promise.all([vendor(404), vendor(401), vendor(200)]);
    const r = await createReadiness(relayDependencies(config({ stt: stt.url, tts: tts.url, llm: llm.url }), async () => undefined)).report();
    expect(r).toEqual({ ready: true, failing: [], checks: { database: { ok: true }, deepgram: { ok: true }, elevenlabs: { ok: true }, llm: { ok: true } } });
    expect([stt.hits(), tts.hits(), llm.hits()]).toEqual([1, 1, 1]);
  });

  it('names a vendor answering 5xx, one that never answers (after the timeout) and one refusing connections', async () => {
    const [stt, tts] = await Promise.all([vendor(503), vendor('hang')]);
    const r = await createReadiness(relayDependencies(config({ stt: stt.url, tts: tts.url, llm: await closedPort() }), null), { timeoutMs: 300 }).report();
    expect(r.ready).toBe(false);
    expect(r.failing).toEqual(['deepgram', 'elevenlabs', 'llm']);
    expect(r.checks).toEqual({
      deepgram: { ok: false, error: 'HTTP 503' },
      elevenlabs: { ok: false, error: 'timed out' },
      llm: { ok: false, error: 'cerebras: ECONNREFUSED' }
    });
  });

  it('counts the LLM as reachable when either the primary or the fallback answers', async () => {
    const [stt, tts, fallback] = await Promise.all([vendor(404), vendor(404), vendor(404)]);
    const down = await closedPort();
    const one = await createReadiness(relayDependencies(config({ stt: stt.url, tts: tts.url, llm: down, fallback: fallback.url }), null)).report();
    expect(one).toMatchObject({ ready: true, checks: { llm: { ok: true } } });
    const neither = await createReadiness(relayDependencies(config({ stt: stt.url, tts: tts.url, llm: down, fallback: down }), null)).report();
    expect(neither).toMatchObject({ ready: false, failing: ['llm'], checks: { llm: { ok: false, error: 'cerebras: ECONNREFUSED; openai: ECONNREFUSED' } } });
  });

  it('names the database when its ping fails, even when the ping ignores the timeout signal', async () => {
    const deps: Dependency[] = [
      { name: 'database', check: () => Promise.reject(new Error('password authentication failed')) },
      { name: 'slow_database', check: () => new Promise(() => undefined) }
    ];
    const r = await createReadiness(deps, { timeoutMs: 200 }).report();
    expect(r.checks).toEqual({ database: { ok: false, error: 'password authentication failed' }, slow_database: { ok: false, error: 'timed out' } });
  });

  it('keeps a result for the cache period and shares one round of checks between concurrent probes', async () => {
    const v = await vendor(404);
    let t = 0;
    const readiness = createReadiness([{ name: 'v', check: httpReachable(v.url) }], { cacheMs: 5000, now: () => t });
    await Promise.all([readiness.report(), readiness.report(), readiness.report()]);
    expect(v.hits()).toBe(1);
    t = 4999;
    await readiness.report();
    expect(v.hits()).toBe(1);
    t = 5001;
    await readiness.report();
    expect(v.hits()).toBe(2);
  });

  it('probes the HTTP origin of a WebSocket base URL, without credentials or query', () => {
    expect(probeUrl('wss://api.deepgram.com')).toBe('https://api.deepgram.com/');
    expect(probeUrl('ws://user:secret@127.0.0.1:54342/v1?x=1')).toBe('http://127.0.0.1:54342/v1');
  });

  it('anyOf passes on the first alternative that answers and does not ask the rest', async () => {
    let asked = 0;
    const check = anyOf([
      { label: 'a', check: async () => void asked++ },
      { label: 'b', check: async () => void asked++ }
    ]);
    await check(new AbortController().signal);
    expect(asked).toBe(1);
  });
});
