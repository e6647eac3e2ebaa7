// The registry that picks an implementation of each provider contract (provider_contracts.ts) from config.
import type { Log } from '../../core/src/log_line.ts';
import type { RelayConfig } from './config.ts';
import { createDeepgramStt } from './deepgram_stt.ts';
import { createElevenLabsTts } from './elevenlabs_tts.ts';
import { withFailover } from './failover_llm.ts';
import { keepAliveFetch } from './keep_alive_fetch.ts';
import { createOpenAiCompatibleLlm } from './openai_chat_llm.ts';
import type { ProviderInfo, Providers } from './provider_contracts.ts';

// Benchmarks and tests outside the relay take these from here, beside createProviders.
export type { ChatMessage, Providers } from './provider_contracts.ts';

/** Longer than a caller's turn, so the next answer finds its connection open (LiveKit keeps 120 s). */
const LLM_IDLE_MS = 120_000;

/** The only place that knows which vendor serves which role. `onVendorError` hears failures no call sees (failover). */
export function createProviders(config: RelayConfig, log?: Log, onVendorError?: (vendor: ProviderInfo['service']) => void): Providers {
  // One keep-alive pool for every call: a connection warmed by one call's turn serves the next turn of any call.
  const llmFetch = keepAliveFetch({ idleMs: LLM_IDLE_MS, maxSockets: 256 });
  const primary = createOpenAiCompatibleLlm(config.llm, { fetch: llmFetch });
  const { fallback } = config.llm;
  return {
    stt: createDeepgramStt(config.stt),
    llm: fallback
      ? withFailover(primary, createOpenAiCompatibleLlm(fallback, { fetch: llmFetch }), {
          firstTokenTimeoutMs: config.llm.firstTokenTimeoutMs,
          ...(log ? { log } : {}),
          ...(onVendorError ? { onPrimaryFailed: (info: ProviderInfo) => onVendorError(info.service) } : {})
        })
      : primary,
    tts: createElevenLabsTts(config.tts)
  };
}
