// The names usage is metered under, and the longest call. Prices, markup, estimates, allowances and charges are
// decided in SQL (private.price_usage, private.call_allowance, private.record_usage, the settlement functions); the
// relay reports quantities under these names and shows nothing it priced itself.

import { Constants } from './database.types.ts';

/** Metered providers (public.service in the database). */
export const SERVICES = Constants.public.Enums.service;
export type Service = (typeof SERVICES)[number];

export const LLM_SERVICES = ['cerebras', 'openai'] as const satisfies readonly Service[];
export type LlmService = (typeof LLM_SERVICES)[number];

/** What the relay meters; private.price_usage prices each one (private.usage_of_rate maps a rate row to it). */
export const USAGE_KINDS = [
  'call_seconds', // Twilio voice leg
  'media_stream_seconds', // Twilio Media Streams, billed on top of voice
  'stt_seconds', // audio sent to streaming speech-to-text
  'llm_input_tokens',
  'llm_output_tokens',
  'tts_characters', // text sent to text-to-speech
] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

/** Longest call the product places, whatever the budget: 30 minutes (private.max_call_seconds() in SQL). */
export const MAX_CALL_SECONDS = 30 * 60;
