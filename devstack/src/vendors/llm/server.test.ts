import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLlmStandIn, type StandIn } from './server.ts';

describe('OpenAI-compatible LLM stand-in', () => {
  let llm: StandIn;
  beforeAll(async () => { llm = await startLlmStandIn({ apiKey: 'k', latencyMs: 120, tokenDelayMs: 0 }); });
  afterAll(() => llm.close());
  const post = (body: unknown, key = 'k') => fetch(`${llm.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body)
  });
  const messages = [{ role: 'system', content: 'You are Alex. Scenario: interview practice.' }];

  it('answers without streaming, with usage, after the configured latency', async () => {
    const t0 = performance.now();
    const res = await post({ model: 'gpt-oss-120b', messages });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
    const body = (await res.json()) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
    expect(body.choices[0]!.message.content).toBe('Hi, it is Alex. Thanks for making time for this practice interview. Tell me a little about yourself.');
    expect(body.usage.completion_tokens).toBe(18);
  });

  it('streams SSE chunks ending in [DONE], with a usage chunk only when asked', async () => {
    const read = async (body: unknown) => (await (await post(body)).text()).split('\n\n').filter(Boolean);
    const withUsage = await read({ model: 'gpt-oss-120b', messages, stream: true, stream_options: { include_usage: true } });
    expect(withUsage.at(-1)).toBe('data: [DONE]');
    const usage = JSON.parse(withUsage.at(-2)!.slice(6)) as { choices: unknown[]; usage: { completion_tokens: number } };
    expect(usage).toMatchObject({ choices: [], usage: { completion_tokens: 18 } });
    const plain = await read({ model: 'gpt-oss-120b', messages, stream: true });
    expect(plain.some((c) => c.includes('"usage"'))).toBe(false);
    const text = plain.slice(0, -1).map((c) => (JSON.parse(c.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Hi, it is Alex. Thanks for making time for this practice interview. Tell me a little about yourself.');
  });

  it('refuses a wrong key and a malformed body with OpenAI-style errors', async () => {
    const bad = await post({ model: 'gpt-oss-120b', messages }, 'nope');
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    const malformed = await post({ model: 'gpt-oss-120b', messages: [] });
    expect(malformed.status).toBe(400);
  });
});
