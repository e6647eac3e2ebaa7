// OpenAI-compatible chat completions, streamed, through the official `openai` SDK. Serves OpenAI, Cerebras and any
// vendor with the same API: only the base URL, key and model differ. Usage arrives in the final chunk
// (`stream_options.include_usage`).
import OpenAI, { APIConnectionError, APIError } from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { LlmEndpoint } from './config.ts';
import { ProviderError, type ChatMessage, type LanguageModel, type LlmEvent } from './provider_contracts.ts';

export interface OpenAiCompatibleOptions {
  /** The HTTP client under the SDK; the global fetch when absent. */
  fetch?: typeof fetch;
}

/**
 * `max_completion_tokens`, not `max_tokens`: reasoning models (gpt-oss, gpt-5) refuse or ignore the older name,
 * and their reasoning counts against it. Reasoning effort goes only to models that take it; temperature is left
 * at the vendor's default, which some of these models do not let us change.
 */
export function requestBody(cfg: LlmEndpoint, messages: readonly ChatMessage[]): ChatCompletionCreateParamsStreaming {
  return {
    model: cfg.model,
    messages: [...messages],
    stream: true,
    stream_options: { include_usage: true },
    max_completion_tokens: cfg.maxCompletionTokens,
    ...(cfg.reasoningEffort ? { reasoning_effort: cfg.reasoningEffort } : {})
  };
}

/**
 * What the session and the failover need to know: a refused request (HTTP error) is worth another attempt only on
 * 429 and 5xx; a broken connection or stream always is. A failover happens on any failure before the first word.
 */
function providerError(service: LlmEndpoint['provider'], err: unknown): ProviderError {
  if (err instanceof APIError && err.status !== undefined) {
    const status = err.status;
    return new ProviderError(`${service} answered HTTP ${status}: ${err.message.slice(0, 200)}`, { service, retryable: status === 429 || status >= 500, status, cause: err });
  }
  const what = err instanceof APIConnectionError ? 'request failed' : 'stream broke';
  return new ProviderError(`${service} ${what}: ${(err as Error)?.message ?? String(err)}`, { service, retryable: true, cause: err });
}

export function createOpenAiCompatibleLlm(cfg: LlmEndpoint, opts: OpenAiCompatibleOptions = {}): LanguageModel {
  const service = cfg.provider;
  const client = new OpenAI({
    apiKey: cfg.apiKey,
    baseURL: cfg.baseUrl,
    // A turn's retries and the switch to the fallback vendor are the session's and failover_llm.ts's decisions,
    // within the caller's patience; the SDK's own backoff would hold the line silent meanwhile.
    maxRetries: 0,
    // Configuration is read once, by config.ts: the SDK must not add OpenAI account headers from the environment
    // to a request for another vendor.
    organization: null,
    project: null,
    ...(opts.fetch ? { fetch: opts.fetch } : {})
  });
  return {
    info: { service, model: cfg.model },
    prewarm() {
      // GET /models costs no tokens; its only purpose is an open connection for the first turn.
      void client.models.list().catch(() => undefined);
    },
    async *stream({ messages, signal }): AsyncIterable<LlmEvent> {
      try {
        const chunks = await client.chat.completions.create(requestBody(cfg, messages), { signal });
        for await (const chunk of chunks) {
          if (signal.aborted) return;
          const delta = chunk.choices?.[0]?.delta?.content;
          if (delta) yield { type: 'text', delta };
          if (chunk.usage) {
            yield { type: 'usage', promptTokens: chunk.usage.prompt_tokens ?? 0, completionTokens: chunk.usage.completion_tokens ?? 0 };
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        throw providerError(service, err);
      }
    }
  };
}
