import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLlmStandIn } from '../../devstack/src/vendors/llm/server.ts';
import { keepAliveFetch } from './keep_alive_fetch.ts';
import { createOpenAiCompatibleLlm } from './openai_chat_llm.ts';

describe('keepAliveFetch', () => {
  let server: Server;
  let url = '';
  let connections = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first ');
        return; // never ends: only an abort stops it
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json', 'x-echo': req.headers['x-echo'] ?? '' });
        res.end(JSON.stringify({ method: req.method, body }));
      });
    });
    server.on('connection', () => connections++);
    // Node's server drops idle keep-alive connections after 5 s by default; a vendor keeps them far longer.
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));

  it('sends the method, headers and body, and answers status, headers and body like fetch', async () => {
    const res = await keepAliveFetch({ idleMs: 60_000, maxSockets: 4 })(`${url}/echo`, { method: 'POST', body: 'hello', headers: { 'x-echo': 'yes' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo')).toBe('yes');
    expect(await res.json()).toEqual({ method: 'POST', body: 'hello' });
  });

  it('reuses one connection for requests one after another', async () => {
    const f = keepAliveFetch({ idleMs: 60_000, maxSockets: 4 });
    const before = connections;
    for (let i = 0; i < 3; i++) await (await f(`${url}/echo`, { method: 'POST', body: String(i) })).text();
    expect(connections - before).toBe(1);
  });

  it('rejects with an AbortError when aborted mid-body', async () => {
    const ac = new AbortController();
    const res = await keepAliveFetch({ idleMs: 60_000, maxSockets: 4 })(`${url}/slow`, { signal: ac.signal });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first ');
    ac.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('carries the OpenAI SDK: streamed chat completions from the LLM stand-in', async () => {
    const llm = await startLlmStandIn({ apiKey: 'k' });
    try {
      const adapter = createOpenAiCompatibleLlm(
        { provider: 'openai', baseUrl: `${llm.url}/v1`, apiKey: 'k', model: 'gpt-4o-mini', maxCompletionTokens: 200, reasoningEffort: null },
        { fetch: keepAliveFetch({ idleMs: 60_000, maxSockets: 4 }) }
      );
      let text = '';
      for await (const e of adapter.stream({ messages: [{ role: 'user', content: 'Hello, who is this?' }], signal: new AbortController().signal })) {
        if (e.type === 'text') text += e.delta;
      }
      expect(text.length).toBeGreaterThan(5);
    } finally {
      await llm.close();
    }
  });
});
