// Contract: the vendors' own SDKs (openai, @cerebras/cerebras_cloud_sdk) pointed at the stand-in get what they
// would get from api.openai.com and api.cerebras.ai: streams, length stops, model refusals, model lists.
import Cerebras from '@cerebras/cerebras_cloud_sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentModels } from './model_catalogue.ts';
import { startLlmStandIn, type StandIn } from './server.ts';

// A pinned day keeps the catalogue's shutdown dates from changing these results as time passes.
const TODAY = new Date('2026-12-05T12:00:00Z');
const SYSTEM = 'You are Alex. Scenario: interview practice.';
const OPENER = 'Hi, it is Alex. Thanks for making time for this practice interview. Tell me a little about yourself.';

let llm: StandIn;
beforeAll(async () => { llm = await startLlmStandIn({ now: () => TODAY }); });
afterAll(() => llm.close());

describe('openai SDK against the stand-in as OpenAI', () => {
  const client = () => new OpenAI({ apiKey: 'sk-test-standin', baseURL: `${llm.url}/v1`, maxRetries: 0 });

  it('streams a chat completion with developer instructions and content parts, usage last', async () => {
    const stream = await client().chat.completions.create({
      model: 'gpt-6-luna',
      messages: [{ role: 'developer', content: [{ type: 'text', text: SYSTEM }] }],
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: 'none'
    });
    let text = '';
    let finish: string | null = null;
    let completionTokens = -1;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
    expect(text).toBe(OPENER);
    expect(finish).toBe('stop');
    expect(completionTokens).toBe(18);
  });

  it('stops at max_completion_tokens with finish_reason length, streamed or not', async () => {
    const plain = await client().chat.completions.create({ model: 'gpt-6-luna', messages: [{ role: 'system', content: SYSTEM }], max_completion_tokens: 5 });
    expect(plain.choices[0]!.finish_reason).toBe('length');
    expect(plain.choices[0]!.message.content).toBe('Hi, it is Alex. Thanks');
    expect(plain.usage?.completion_tokens).toBe(5);

    const stream = await client().chat.completions.create({
      model: 'gpt-4.1-mini', messages: [{ role: 'system', content: SYSTEM }], max_tokens: 3, stream: true, stream_options: { include_usage: true }
    });
    let text = '';
    let finish: string | null = null;
    let usage = -1;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage.completion_tokens;
    }
    expect({ text, finish, usage }).toEqual({ text: 'Hi, it is', finish: 'length', usage: 3 });
  });

  it('refuses max_tokens on a reasoning model, as OpenAI does', async () => {
    const err = await client().chat.completions.create({ model: 'gpt-6-luna', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'max_tokens' });
  });

  it('refuses an unknown and a shut-down model with NotFoundError model_not_found', async () => {
    for (const model of ['gpt-nonexistent', 'gpt-4.1-nano', 'gpt-3.5-turbo']) {
      const err = await client().chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect(err).toMatchObject({ status: 404, code: 'model_not_found', type: 'invalid_request_error', message: `404 The model \`${model}\` does not exist or you do not have access to it.` });
    }
  });

  it('refuses malformed messages with 400 invalid_request_error', async () => {
    const c = client();
    const empty = await c.chat.completions.create({ model: 'gpt-6-luna', messages: [] }).catch((e: unknown) => e);
    expect(empty).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'empty_array', param: 'messages' });
    const badRole = await c.chat.completions.create({ model: 'gpt-6-luna', messages: [{ role: 'bot', content: 'x' }] as never }).catch((e: unknown) => e);
    expect(badRole).toBeInstanceOf(OpenAI.BadRequestError);
    expect(badRole).toMatchObject({ type: 'invalid_request_error', code: 'invalid_value', param: 'messages[0].role' });
    const badEffort = await c.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'low' }).catch((e: unknown) => e);
    expect(badEffort).toMatchObject({ status: 400, code: 'unsupported_parameter', param: 'reasoning_effort' });
  });

  it('lists the models OpenAI serves today, with shutdown dates', async () => {
    const ids: string[] = [];
    for await (const m of client().models.list()) ids.push(m.id);
    expect(ids).toEqual(currentModels('openai', TODAY).map((m) => m.id));
    expect(ids).toContain('gpt-6-luna');
    expect(ids).toContain('gpt-4o-mini');
    expect(ids).not.toContain('gpt-4.1-nano');
    expect(await client().models.retrieve('gpt-4o-mini')).toMatchObject({ id: 'gpt-4o-mini', shutdown_date: '2027-01-14' });
  });
});

describe('Cerebras SDK against the stand-in as Cerebras', () => {
  const client = () => new Cerebras({ apiKey: 'csk-test-standin', baseURL: llm.url, maxRetries: 0, warmTCPConnection: false });

  it('streams gpt-oss-120b with a reasoning effort and stops at max_completion_tokens', async () => {
    const stream = await client().chat.completions.create({
      model: 'gpt-oss-120b', messages: [{ role: 'system', content: SYSTEM }], stream: true, reasoning_effort: 'low', max_completion_tokens: 4
    });
    let text = '';
    let finish: string | null | undefined = null;
    for await (const chunk of stream as AsyncIterable<{ choices: { delta: { content?: string | null }; finish_reason?: string | null }[] }>) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect({ text, finish }).toEqual({ text: 'Hi, it is Alex.', finish: 'length' });
  });

  it('refuses the retired Llama and Qwen models with its own not-found body', async () => {
    for (const model of ['llama-3.3-70b', 'llama3.1-8b', 'qwen-3-32b', 'qwen-3-235b-a22b-instruct-2507', 'zai-glm-4.7']) {
      const err = await client().chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Cerebras.NotFoundError);
      expect((err as InstanceType<typeof Cerebras.NotFoundError>).error).toEqual({
        message: 'Model does not exist or you do not have access to it.', type: 'not_found_error', param: 'model', code: 'model_not_found'
      });
    }
  });

  it('refuses a reasoning effort gpt-oss does not offer', async () => {
    const err = await client().chat.completions.create({ model: 'gpt-oss-120b', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'none' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Cerebras.BadRequestError);
    expect((err as InstanceType<typeof Cerebras.BadRequestError>).error).toMatchObject({ code: 'unsupported_value', param: 'reasoning_effort' });
  });

  it('lists gpt-oss-120b and qwen-3.8-27b only', async () => {
    const list = await client().models.list();
    expect(list.data.map((m) => m.id)).toEqual(['gpt-oss-120b', 'qwen-3.8-27b']);
  });
});
