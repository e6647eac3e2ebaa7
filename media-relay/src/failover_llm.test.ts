// The LLM failover against two scripted vendors over real HTTP: the fallback answers a turn the primary fails or
// is too slow to start, the primary's late words are never read, and a healthy primary is the only one asked.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LogFields } from '../../core/src/log_line.ts';
import { defaultReasoningEffort, type LlmEndpoint, type LlmProvider } from './config.ts';
import { estimatePromptTokens, withFailover } from './failover_llm.ts';
import { createOpenAiCompatibleLlm } from './openai_chat_llm.ts';
import { ProviderError, type ChatMessage, type LanguageModel, type LlmEvent } from './provider_contracts.ts';
import { startFakeChatServer, type FakeChatBehaviour, type FakeChatServer } from './testing/fake_chat_server.ts';

const MESSAGES: ChatMessage[] = [{ role: 'system', content: 'You are Brad.' }, { role: 'user', content: 'How was the game?' }];
const PRIMARY_TEXT = 'The primary would have said this.';
const FALLBACK_TEXT = 'The fallback says this instead.';

const servers: FakeChatServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function endpoint(provider: LlmProvider, baseUrl: string, model: string): LlmEndpoint {
  return { provider, baseUrl, apiKey: 'k', model, maxCompletionTokens: 256, reasoningEffort: defaultReasoningEffort(model) };
}

async function pair(primary: FakeChatBehaviour, fallback: FakeChatBehaviour, firstTokenTimeoutMs = 300) {
  const p = await startFakeChatServer(primary);
  const f = await startFakeChatServer(fallback);
  servers.push(p, f);
  const logs: { msg: string; fields?: LogFields }[] = [];
  const failed: string[] = [];
  const llm = withFailover(
    createOpenAiCompatibleLlm(endpoint('cerebras', p.url, 'gpt-oss-120b')),
    createOpenAiCompatibleLlm(endpoint('openai', f.url, 'gpt-6-luna')),
    { firstTokenTimeoutMs, log: (msg, fields) => logs.push({ msg, fields }), onPrimaryFailed: (info) => failed.push(info.service) }
  );
  return { p, f, llm, logs, failed };
}

async function collect(llm: LanguageModel, signal = new AbortController().signal): Promise<LlmEvent[]> {
  const events: LlmEvent[] = [];
  for await (const e of llm.stream({ messages: MESSAGES, signal })) events.push(e);
  return events;
}

const textOf = (events: LlmEvent[]) => events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
const usageOf = (events: LlmEvent[]) => events.flatMap((e) => (e.type === 'usage' ? [{ service: e.provider?.service, model: e.provider?.model, promptTokens: e.promptTokens, completionTokens: e.completionTokens }] : []));

describe('LLM failover', () => {
  it('asks only the primary when it answers, bounding the reply with max_completion_tokens', async () => {
    const { p, f, llm } = await pair({ kind: 'answer', text: PRIMARY_TEXT, promptTokens: 30, completionTokens: 9 }, { kind: 'answer', text: FALLBACK_TEXT });
    const events = await collect(llm);
    expect(textOf(events)).toBe(PRIMARY_TEXT);
    expect(usageOf(events)).toEqual([{ service: 'cerebras', model: 'gpt-oss-120b', promptTokens: 30, completionTokens: 9 }]);
    expect(f.requests).toHaveLength(0);
    expect(p.requests[0]).toMatchObject({ model: 'gpt-oss-120b', stream: true, max_completion_tokens: 256, reasoning_effort: 'low' });
    expect(p.requests[0]).not.toHaveProperty('max_tokens');
  });

  it('answers the same turn from the fallback when the primary fails, billed to the fallback', async () => {
    const { p, f, llm, logs, failed } = await pair({ kind: 'error', status: 500 }, { kind: 'answer', text: FALLBACK_TEXT, promptTokens: 25, completionTokens: 7 });
    const events = await collect(llm);
    expect(textOf(events)).toBe(FALLBACK_TEXT);
    // A refused request is not billed, so only the fallback's tokens are recorded.
    expect(usageOf(events)).toEqual([{ service: 'openai', model: 'gpt-6-luna', promptTokens: 25, completionTokens: 7 }]);
    expect(p.requests).toHaveLength(1);
    expect(f.requests[0]).toMatchObject({ model: 'gpt-6-luna', messages: MESSAGES, max_completion_tokens: 256, reasoning_effort: 'none' });
    expect(logs).toContainEqual({ msg: 'relay.llm_failover', fields: expect.objectContaining({ level: 'warn', from: 'cerebras/gpt-oss-120b', to: 'openai/gpt-6-luna' }) });
    // The call never sees the primary's failure; the vendor error counter does.
    expect(failed).toEqual(['cerebras']);
  });

  it('fails over on a retired model (404 model_not_found)', async () => {
    const { f, llm } = await pair({ kind: 'error', status: 404, code: 'model_not_found' }, { kind: 'answer', text: FALLBACK_TEXT });
    expect(textOf(await collect(llm))).toBe(FALLBACK_TEXT);
    expect(f.requests).toHaveLength(1);
  });

  it('gives the turn to the fallback when the primary has no first word by the deadline, and drops its late words', async () => {
    const { p, f, llm } = await pair({ kind: 'stall', text: PRIMARY_TEXT }, { kind: 'stall', text: FALLBACK_TEXT });
    const done = collect(llm);
    // The fallback is asked only once the primary has missed its deadline; then both are let loose together.
    await vi.waitUntil(() => f.requests.length === 1, { timeout: 5000, interval: 10 });
    p.release();
    f.release();
    const events = await done;
    expect(textOf(events)).toBe(FALLBACK_TEXT);
    // The primary's request was abandoned; its prompt, which the vendor had accepted, is recorded as estimated.
    await vi.waitUntil(() => p.abandoned === 1, { timeout: 5000, interval: 10 });
    expect(usageOf(events)).toEqual([
      { service: 'cerebras', model: 'gpt-oss-120b', promptTokens: estimatePromptTokens(MESSAGES), completionTokens: 0 },
      { service: 'openai', model: 'gpt-6-luna', promptTokens: 20, completionTokens: 10 }
    ]);
  });

  it('does not fail over a turn that was interrupted while the primary was starting', async () => {
    const { p, f, llm } = await pair({ kind: 'stall', text: PRIMARY_TEXT }, { kind: 'answer', text: FALLBACK_TEXT }, 30_000);
    const abort = new AbortController();
    const done = collect(llm, abort.signal);
    await vi.waitUntil(() => p.requests.length === 1, { timeout: 5000, interval: 10 });
    abort.abort();
    expect(await done).toEqual([]);
    expect(f.requests).toHaveLength(0);
  });

  it('fails the turn with the fallback\'s error when both vendors fail', async () => {
    const { p, f, llm } = await pair({ kind: 'error', status: 503 }, { kind: 'error', status: 429 });
    const err = await collect(llm).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ service: 'openai', status: 429, retryable: true });
    expect([p.requests.length, f.requests.length]).toEqual([1, 1]);
  });
});
