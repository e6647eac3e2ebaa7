// OpenAI-compatible chat completions, streamed (SSE). Serves OpenAI and Cerebras alike: only the base URL,
// key and model differ. Usage arrives in the final chunk (`stream_options.include_usage`).
import type { LlmEndpoint } from './config.ts';
import { ProviderError, type ChatMessage, type LanguageModel, type LlmEvent } from './provider_contracts.ts';

interface Chunk {
  choices?: { delta?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

const isAbort = (err: unknown) => (err as Error)?.name === 'AbortError';

/**
 * `max_completion_tokens`, not `max_tokens`: reasoning models (gpt-oss, gpt-5) refuse or ignore the older name,
 * and their reasoning counts against it. Reasoning effort goes only to models that take it; temperature is left
 * at the vendor's default, which some of these models do not let us change.
 */
export function requestBody(cfg: LlmEndpoint, messages: readonly ChatMessage[]): Record<string, unknown> {
  return {
    model: cfg.model,
    messages,
    stream: true,
    stream_options: { include_usage: true },
    max_completion_tokens: cfg.maxCompletionTokens,
    ...(cfg.reasoningEffort ? { reasoning_effort: cfg.reasoningEffort } : {})
  };
}

export function createOpenAiCompatibleLlm(cfg: LlmEndpoint): LanguageModel {
  const service = cfg.provider;
  return {
    info: { service, model: cfg.model },
    async *stream({ messages, signal }): AsyncIterable<LlmEvent> {
      let res: Response;
      try {
        res = await fetch(`${cfg.baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${cfg.apiKey}`, accept: 'text/event-stream' },
          body: JSON.stringify(requestBody(cfg, messages)),
          signal
        });
      } catch (err) {
        if (isAbort(err) || signal.aborted) return;
        throw new ProviderError(`${service} request failed: ${(err as Error).message}`, { service, retryable: true, cause: err });
      }
      if (!res.ok || !res.body) {
        const detail = await res.text().catch(() => '');
        throw new ProviderError(`${service} answered HTTP ${res.status}: ${detail.slice(0, 200)}`, {
          service, retryable: res.status === 429 || res.status >= 500, status: res.status
        });
      }
      const decoder = new TextDecoder();
      let buf = '';
      try {
        for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
          if (signal.aborted) return;
          buf += decoder.decode(part, { stream: true });
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line.startsWith('data:')) continue;
            const data = line.slice(5).trim();
            if (data === '[DONE]') return;
            let chunk: Chunk;
            try {
              chunk = JSON.parse(data) as Chunk;
            } catch {
              continue;
            }
            const delta = chunk.choices?.[0]?.delta?.content;
            if (delta) yield { type: 'text', delta };
            if (chunk.usage) {
              yield { type: 'usage', promptTokens: chunk.usage.prompt_tokens ?? 0, completionTokens: chunk.usage.completion_tokens ?? 0 };
            }
          }
        }
      } catch (err) {
        if (isAbort(err) || signal.aborted) return;
        throw new ProviderError(`${service} stream broke: ${(err as Error).message}`, { service, retryable: true, cause: err });
      }
    }
  };
}
