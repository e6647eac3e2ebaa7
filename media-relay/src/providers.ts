// The registry that picks an implementation of each provider contract (provider_contracts.ts) from config.
import type { Log } from '../../core/src/log_line.ts';
import type { RelayConfig } from './config.ts';
import { createDeepgramStt } from './deepgram_stt.ts';
import { createElevenLabsTts } from './elevenlabs_tts.ts';
import { withFailover } from './failover_llm.ts';
import { createOpenAiCompatibleLlm } from './openai_chat_llm.ts';
import type { ProviderInfo, Providers } from './provider_contracts.ts';

// Benchmarks and tests outside the relay take these from here, beside createProviders.
export type { ChatMessage, Providers } from './provider_contracts.ts';

/** The only place that knows which vendor serves which role. `onVendorError` hears failures no call sees (failover). */
export function createProviders(config: RelayConfig, log?: Log, onVendorError?: (vendor: ProviderInfo['service']) => void): Providers {
  const primary = createOpenAiCompatibleLlm(config.llm);
  const { fallback } = config.llm;
  return {
    stt: createDeepgramStt(config.stt),
    llm: fallback
      ? withFailover(primary, createOpenAiCompatibleLlm(fallback), {
          firstTokenTimeoutMs: config.llm.firstTokenTimeoutMs,
          ...(log ? { log } : {}),
          ...(onVendorError ? { onPrimaryFailed: (info: ProviderInfo) => onVendorError(info.service) } : {})
        })
      : primary,
    tts: createElevenLabsTts(config.tts)
  };
}
