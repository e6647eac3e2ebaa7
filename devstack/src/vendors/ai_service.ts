// The AI vendor stand-ins as one devstack service: OpenAI-compatible LLM, ElevenLabs-compatible TTS and
// Deepgram-compatible STT on their configured ports. DEVSTACK_*_LATENCY_MS add vendor-like delays for benchmarks.
import type { ServiceDeps } from '../gateway/types.ts';
import { scriptedCalleeLines } from './callee_vocabulary.ts';
import { DEFAULT_SCRIPT } from './twilio/callee.ts';
import { startLlmStandIn } from './llm/server.ts';
import { startSttStandIn } from './stt/server.ts';
import { startTtsStandIn } from './tts/server.ts';

function latency(name: string): number {
  const n = Number(process.env[name] ?? 0);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

export async function createService(deps: ServiceDeps): Promise<{ close: () => Promise<void> }> {
  const v = deps.config.vendors;
  const llm = await startLlmStandIn({ port: v.llmPort, apiKey: v.llmApiKey, latencyMs: latency('DEVSTACK_LLM_LATENCY_MS'), log: deps.log });
  const tts = await startTtsStandIn({ port: v.elevenlabsPort, apiKey: v.elevenlabsApiKey, latencyMs: latency('DEVSTACK_TTS_LATENCY_MS'), log: deps.log });
  // The simulated callee speaks espeak-ng lines, the default script's or those a test scripted; knowing them lets the
  // offline recogniser transcribe them reliably.
  const stt = await startSttStandIn({
    port: v.deepgramPort,
    apiKey: v.deepgramApiKey,
    latencyMs: latency('DEVSTACK_STT_LATENCY_MS'),
    vocabulary: () => [...DEFAULT_SCRIPT.lines.map((l) => l.text), ...scriptedCalleeLines()],
    log: deps.log
  });
  deps.log(`AI stand-ins: LLM ${llm.url}, TTS ${tts.url}, STT ${stt.url} (scripted persona engine, espeak-ng voices, pocketsphinx: not the real vendors)`);
  return {
    close: async () => {
      await Promise.all([llm.close(), tts.close(), stt.close()]);
    }
  };
}
