// Which chat models Cerebras and OpenAI serve, so the stand-in refuses what the real vendors refuse. Both
// vendors retire ids on a schedule and then answer 404 model_not_found, which is the failure a stale default
// meets first in production. Reviewed 2026-12-05 against:
// - Cerebras: inference-docs.cerebras.ai/support/deprecation (llama-3.3-70b and qwen-3-32b gone 2026-02-16;
//   llama3.1-8b and qwen-3-235b-a22b-instruct-2507 gone 2026-05-27), the quickstart (qwen-3.8-27b) and the
//   Shared Inference list as of October 2026: gpt-oss-120b and qwen-3.8-27b only.
// - OpenAI: developers.openai.com/api/docs/deprecations and the model ids in the openai 7.55 SDK. gpt-4o-mini,
//   gpt-4o, gpt-4.1 and gpt-4.1-mini shut down 2027-01-14 (replacement gpt-6-luna); gpt-5, gpt-5-mini and
//   gpt-5-nano 2026-12-11; gpt-3.5/gpt-4/gpt-4-turbo, o1, o3-mini, o4-mini and gpt-4.1-nano went 2026-10-23.
// A model with a shutdown date still answers until that day, as on the real API; `now` decides.

export type LlmVendor = 'cerebras' | 'openai';

export interface ModelEntry {
  id: string;
  /** reasoning_effort values the model accepts; absent for models that do not reason (the parameter is refused). */
  reasoningEfforts?: readonly string[];
  /** YYYY-MM-DD from which the vendor refuses the id. */
  shutdownDate?: string;
  /** Replacement the vendor recommends, for log lines and docs. */
  replacement?: string;
}

const GPT6 = ['none', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
const GPT55 = ['none', 'low', 'medium', 'high', 'xhigh'] as const;
const GPT5 = ['minimal', 'low', 'medium', 'high'] as const;

const CEREBRAS: readonly ModelEntry[] = [
  { id: 'gpt-oss-120b', reasoningEfforts: ['low', 'medium', 'high'] },
  { id: 'qwen-3.8-27b', reasoningEfforts: ['none', 'low', 'medium', 'high'] },
  { id: 'llama-3.3-70b', shutdownDate: '2026-02-16', replacement: 'gpt-oss-120b' },
  { id: 'qwen-3-32b', shutdownDate: '2026-02-16', replacement: 'gpt-oss-120b' },
  { id: 'llama3.1-8b', shutdownDate: '2026-05-27', replacement: 'gpt-oss-120b' },
  { id: 'qwen-3-235b-a22b-instruct-2507', shutdownDate: '2026-05-27', replacement: 'gpt-oss-120b' },
  // Gone from Shared Inference by October 2026 (Dedicated Inference only); the exact day is not published.
  { id: 'zai-glm-4.7', shutdownDate: '2026-10-01', replacement: 'gpt-oss-120b' },
  { id: 'zai-glm-4.6', shutdownDate: '2026-01-20', replacement: 'gpt-oss-120b' },
  { id: 'llama-4-scout-17b-16e-instruct', shutdownDate: '2025-11-03', replacement: 'gpt-oss-120b' },
  { id: 'llama-4-maverick-17b-128e-instruct', shutdownDate: '2025-10-15', replacement: 'gpt-oss-120b' },
  { id: 'qwen-3-235b-a22b-thinking-2507', shutdownDate: '2025-11-14', replacement: 'gpt-oss-120b' },
  { id: 'qwen-3-coder-480b', shutdownDate: '2025-11-05', replacement: 'gpt-oss-120b' },
  { id: 'llama3.1-70b', shutdownDate: '2025-01-17', replacement: 'gpt-oss-120b' }
];

const OPENAI: readonly ModelEntry[] = [
  { id: 'gpt-6-astra', reasoningEfforts: GPT6 },
  { id: 'gpt-6.1-sol', reasoningEfforts: GPT6 },
  { id: 'gpt-6.1-terra', reasoningEfforts: GPT6 },
  { id: 'gpt-6-sol', reasoningEfforts: GPT6 },
  { id: 'gpt-6-luna', reasoningEfforts: GPT6 },
  { id: 'gpt-5.6-sol', reasoningEfforts: GPT55 },
  { id: 'gpt-5.6-terra', reasoningEfforts: GPT55 },
  { id: 'gpt-5.6-luna', reasoningEfforts: GPT55 },
  { id: 'gpt-5.5', reasoningEfforts: GPT55 },
  { id: 'gpt-5.5-2026-04-23', reasoningEfforts: GPT55 },
  { id: 'gpt-5.4', reasoningEfforts: GPT55 },
  { id: 'gpt-5.4-mini', reasoningEfforts: GPT55 },
  { id: 'gpt-5.4-nano', reasoningEfforts: GPT55 },
  { id: 'gpt-5.4-mini-2026-03-17', reasoningEfforts: GPT55 },
  { id: 'gpt-5.4-nano-2026-03-17', reasoningEfforts: GPT55 },
  { id: 'gpt-5.2', reasoningEfforts: GPT55 },
  { id: 'gpt-5.2-2025-12-11', reasoningEfforts: GPT55 },
  { id: 'gpt-5.1', reasoningEfforts: ['none', 'low', 'medium', 'high'], shutdownDate: '2027-04-01', replacement: 'gpt-6.1-sol' },
  { id: 'gpt-5.1-2025-11-13', reasoningEfforts: ['none', 'low', 'medium', 'high'], shutdownDate: '2027-04-01', replacement: 'gpt-6.1-sol' },
  { id: 'gpt-5', reasoningEfforts: GPT5, shutdownDate: '2026-12-11', replacement: 'gpt-6.1-sol' },
  { id: 'gpt-5-2025-08-07', reasoningEfforts: GPT5, shutdownDate: '2026-12-11', replacement: 'gpt-6.1-sol' },
  { id: 'gpt-5-mini', reasoningEfforts: GPT5, shutdownDate: '2026-12-11', replacement: 'gpt-6.1-terra' },
  { id: 'gpt-5-mini-2025-08-07', reasoningEfforts: GPT5, shutdownDate: '2026-12-11', replacement: 'gpt-6.1-terra' },
  { id: 'gpt-5-nano', reasoningEfforts: GPT5, shutdownDate: '2026-12-11', replacement: 'gpt-6-luna' },
  { id: 'gpt-5-nano-2025-08-07', reasoningEfforts: GPT5, shutdownDate: '2026-12-11', replacement: 'gpt-6-luna' },
  { id: 'o3', reasoningEfforts: ['low', 'medium', 'high'], shutdownDate: '2026-12-11', replacement: 'gpt-6.1-sol' },
  { id: 'gpt-4.1', shutdownDate: '2027-01-14', replacement: 'gpt-6.1-sol' },
  { id: 'gpt-4.1-2025-04-14', shutdownDate: '2027-01-14', replacement: 'gpt-6.1-sol' },
  { id: 'gpt-4.1-mini', shutdownDate: '2027-01-14', replacement: 'gpt-6-luna' },
  { id: 'gpt-4.1-mini-2025-04-14', shutdownDate: '2027-01-14', replacement: 'gpt-6-luna' },
  { id: 'gpt-4o', shutdownDate: '2027-01-14', replacement: 'gpt-6.1-sol' },
  { id: 'gpt-4o-2024-11-20', shutdownDate: '2027-01-14', replacement: 'gpt-6.1-sol' },
  { id: 'gpt-4o-2024-08-06', shutdownDate: '2027-01-14', replacement: 'gpt-6.1-sol' },
  { id: 'gpt-4o-mini', shutdownDate: '2027-01-14', replacement: 'gpt-6-luna' },
  { id: 'gpt-4o-mini-2024-07-18', shutdownDate: '2027-01-14', replacement: 'gpt-6-luna' },
  { id: 'gpt-5.3-chat-latest', reasoningEfforts: ['medium'], shutdownDate: '2026-08-10', replacement: 'gpt-5.6-terra' },
  { id: 'gpt-5.2-chat-latest', reasoningEfforts: ['medium'], shutdownDate: '2026-08-10', replacement: 'gpt-5.6-terra' },
  { id: 'gpt-4o-2024-05-13', shutdownDate: '2026-10-23', replacement: 'gpt-5.6-sol' },
  { id: 'gpt-4.1-nano', shutdownDate: '2026-10-23', replacement: 'gpt-5.6-luna' },
  { id: 'gpt-4.1-nano-2025-04-14', shutdownDate: '2026-10-23', replacement: 'gpt-5.6-luna' },
  { id: 'o4-mini', reasoningEfforts: ['low', 'medium', 'high'], shutdownDate: '2026-10-23', replacement: 'gpt-5.6-terra' },
  { id: 'o3-mini', reasoningEfforts: ['low', 'medium', 'high'], shutdownDate: '2026-10-23', replacement: 'gpt-5.6-sol' },
  { id: 'o1', reasoningEfforts: ['low', 'medium', 'high'], shutdownDate: '2026-10-23', replacement: 'gpt-5.6-sol' },
  { id: 'gpt-4-turbo', shutdownDate: '2026-10-23', replacement: 'gpt-5.6-sol' },
  { id: 'gpt-4', shutdownDate: '2026-10-23', replacement: 'gpt-5.6-sol' },
  { id: 'gpt-3.5-turbo', shutdownDate: '2026-10-23', replacement: 'gpt-5.6-terra' }
];

export const CATALOGUE: Readonly<Record<LlmVendor, readonly ModelEntry[]>> = { cerebras: CEREBRAS, openai: OPENAI };

/** The models a voice call should use today: fast, cheap, not scheduled for shutdown. */
export const RECOMMENDED: Readonly<Record<LlmVendor, string>> = { cerebras: 'gpt-oss-120b', openai: 'gpt-6-luna' };

const day = (now: Date) => now.toISOString().slice(0, 10);

export function findModel(vendor: LlmVendor, id: string): ModelEntry | undefined {
  return CATALOGUE[vendor].find((m) => m.id === id);
}

export function isServed(entry: ModelEntry, now: Date): boolean {
  return entry.shutdownDate === undefined || day(now) < entry.shutdownDate;
}

/** The ids a vendor answers to on `now`, in catalogue order. */
export function currentModels(vendor: LlmVendor, now: Date = new Date()): ModelEntry[] {
  return CATALOGUE[vendor].filter((m) => isServed(m, now));
}

/** The ids a vendor has shut down by `now`. */
export function retiredModels(vendor: LlmVendor, now: Date = new Date()): ModelEntry[] {
  return CATALOGUE[vendor].filter((m) => !isServed(m, now));
}

/**
 * Which vendor a request is for: the key says so in production (`csk-…` Cerebras, `sk-…` OpenAI); otherwise the
 * catalogue that knows the model; otherwise OpenAI, whose error shape most clients parse.
 */
export function vendorFor(apiKey: string, model: string | undefined): LlmVendor {
  if (apiKey.startsWith('csk-')) return 'cerebras';
  if (apiKey.startsWith('sk-')) return 'openai';
  if (model !== undefined && findModel('cerebras', model)) return 'cerebras';
  return 'openai';
}
