// Pricing of provider usage and call-cost estimates, on top of money.ts (bigint picodollars, rounding up).
//
// A rate row says what one provider charges for one kind of usage:
//   { service: 'deepgram', usage: 'stt_seconds', unit: 'minute', usdPerUnit: '0.0077', markup: '1.5' }
// `usage` is what we meter (seconds of audio, tokens, characters); `unit` is how the provider quotes its price
// (per minute, per 1k characters, per 1M tokens). Keeping them apart lets an admin paste a price list as quoted
// while the meter keeps counting in base units.

import { ceilDiv, applyMarkup, assertValidMarkup, priceQuantity, sumUsd, usdToCentsUp, type Usd } from './money.ts';

export const SERVICES = ['twilio', 'deepgram', 'cerebras', 'openai', 'elevenlabs'] as const;
export type Service = (typeof SERVICES)[number];

export const LLM_SERVICES = ['cerebras', 'openai'] as const;
export type LlmService = (typeof LLM_SERVICES)[number];

export const USAGE_KINDS = [
  'call_seconds', // Twilio voice leg
  'media_stream_seconds', // Twilio Media Streams, billed on top of voice
  'stt_seconds', // audio sent to streaming speech-to-text
  'llm_input_tokens',
  'llm_output_tokens',
  'tts_characters', // text sent to text-to-speech
] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

type Measure = 'seconds' | 'tokens' | 'characters';

const USAGE_MEASURE: Readonly<Record<UsageKind, Measure>> = {
  call_seconds: 'seconds',
  media_stream_seconds: 'seconds',
  stt_seconds: 'seconds',
  llm_input_tokens: 'tokens',
  llm_output_tokens: 'tokens',
  tts_characters: 'characters',
};

// Seconds are counted in milliseconds internally so fractional audio durations price exactly.
const SUBUNITS_PER_BASE: Readonly<Record<Measure, number>> = { seconds: 1000, tokens: 1, characters: 1 };

export const RATE_UNITS = ['second', 'minute', 'character', '1k_characters', '1m_characters', 'token', '1k_tokens', '1m_tokens'] as const;
export type RateUnit = (typeof RATE_UNITS)[number];

const RATE_UNIT: Readonly<Record<RateUnit, { measure: Measure; size: number }>> = {
  second: { measure: 'seconds', size: 1 },
  minute: { measure: 'seconds', size: 60 },
  character: { measure: 'characters', size: 1 },
  '1k_characters': { measure: 'characters', size: 1_000 },
  '1m_characters': { measure: 'characters', size: 1_000_000 },
  token: { measure: 'tokens', size: 1 },
  '1k_tokens': { measure: 'tokens', size: 1_000 },
  '1m_tokens': { measure: 'tokens', size: 1_000_000 },
};

// Twilio bills Programmable Voice and Media Streams per call, rounded up to the next whole minute.
const BILLING_INCREMENT_SECONDS: Partial<Readonly<Record<UsageKind, number>>> = {
  call_seconds: 60,
  media_stream_seconds: 60,
};

/**
 * What a `service_rates` row prices, from its service and key: Twilio voice vs Media Streams, LLM input vs output.
 * null for a row the estimate does not use.
 */
export function usageOfRateKey(service: string, rateKey: string): UsageKind | null {
  if (service === 'twilio') return rateKey === 'media_streams' ? 'media_stream_seconds' : rateKey.startsWith('voice') ? 'call_seconds' : null;
  if (service === 'deepgram') return 'stt_seconds';
  if (service === 'elevenlabs') return 'tts_characters';
  if (rateKey.endsWith('_input')) return 'llm_input_tokens';
  if (rateKey.endsWith('_output')) return 'llm_output_tokens';
  return null;
}

export interface ServiceRate {
  readonly service: Service;
  readonly usage: UsageKind;
  readonly unit: RateUnit;
  /** Provider price in USD per `unit`, as a decimal string (exact) or a number. */
  readonly usdPerUnit: string | number;
  /** Multiplier billed to the user on top of cost: "1.5" = cost + 50 %. */
  readonly markup: string | number;
}

/** A `service_rates` row as the database returns it (numeric columns as strings or numbers). */
export interface RateRow {
  readonly service: Service;
  readonly rate_key: string;
  readonly unit: 'minute' | 'second' | 'character' | 'token';
  readonly unit_price_usd: string | number;
  readonly markup_percent: string | number;
}

/** The rows the estimate can use, as rates: markup percent (30) becomes a multiplier ("1.3000"). */
export function toServiceRates(rows: readonly RateRow[]): ServiceRate[] {
  const out: ServiceRate[] = [];
  for (const r of rows) {
    const usage = usageOfRateKey(r.service, r.rate_key);
    if (!usage) continue;
    const markup = (1 + Number(r.markup_percent) / 100).toFixed(4);
    out.push({ service: r.service, usage, unit: r.unit, usdPerUnit: r.unit_price_usd, markup });
  }
  return out;
}

export interface UsageEvent {
  readonly service: Service;
  readonly usage: UsageKind;
  /** Seconds (may be fractional, counted to the millisecond), tokens or characters (whole numbers). */
  readonly quantity: number;
}

export interface PricedUsage {
  readonly service: Service;
  readonly usage: UsageKind;
  readonly quantity: number;
  /** The quantity the provider bills after its own rounding (e.g. 61 s of Twilio → 120). */
  readonly billedQuantity: number;
  /** What the provider charges us. */
  readonly costUsd: Usd;
  /** What we charge the user before rounding to cents: cost × markup. */
  readonly chargeUsd: Usd;
}

export class PricingError extends Error {
  readonly code = 'rate_not_configured';
  override readonly name = 'PricingError';
}

export function isService(value: unknown): value is Service {
  return typeof value === 'string' && (SERVICES as readonly string[]).includes(value);
}

export function isUsageKind(value: unknown): value is UsageKind {
  return typeof value === 'string' && (USAGE_KINDS as readonly string[]).includes(value);
}

export function isRateUnit(value: unknown): value is RateUnit {
  return typeof value === 'string' && (RATE_UNITS as readonly string[]).includes(value);
}

/** Problems with a rate row, as sentences; empty when the row is usable. For the admin price editor. */
export function validateRate(rate: ServiceRate): string[] {
  const problems: string[] = [];
  if (!isService(rate.service)) problems.push(`Unknown service ${JSON.stringify(rate.service)}.`);
  if (!isUsageKind(rate.usage)) problems.push(`Unknown usage ${JSON.stringify(rate.usage)}.`);
  if (!isRateUnit(rate.unit)) problems.push(`Unknown unit ${JSON.stringify(rate.unit)}.`);
  if (isUsageKind(rate.usage) && isRateUnit(rate.unit) && USAGE_MEASURE[rate.usage] !== RATE_UNIT[rate.unit].measure) {
    problems.push(`${rate.usage} is counted in ${USAGE_MEASURE[rate.usage]}, so it cannot be priced per ${rate.unit}.`);
  }
  try {
    if (priceQuantity(rate.usdPerUnit, 1n, 1n) < 0n) problems.push('A price cannot be negative.');
  } catch (e) {
    problems.push((e as Error).message);
  }
  try {
    assertValidMarkup(rate.markup);
  } catch (e) {
    problems.push((e as Error).message);
  }
  return problems;
}

export function findRate(rates: readonly ServiceRate[], service: Service, usage: UsageKind): ServiceRate | undefined {
  return rates.find((r) => r.service === service && r.usage === usage);
}

function requireRate(rates: readonly ServiceRate[], service: Service, usage: UsageKind): ServiceRate {
  const rate = findRate(rates, service, usage);
  if (!rate) throw new PricingError(`No price is configured for ${service} ${usage}.`);
  const problems = validateRate(rate);
  if (problems.length > 0) throw new PricingError(`The ${service} ${usage} price is unusable: ${problems.join(' ')}`);
  return rate;
}

/** Converts a quantity in base units to integer sub-units (milliseconds for seconds). */
function toSubunits(measure: Measure, quantity: number): bigint {
  if (!Number.isFinite(quantity) || quantity < 0) throw new RangeError(`A usage quantity must be zero or more, got ${quantity}.`);
  if (measure === 'seconds') return BigInt(Math.round(quantity * 1000));
  if (!Number.isInteger(quantity)) throw new RangeError(`Tokens and characters are whole numbers, got ${quantity}.`);
  return BigInt(quantity);
}

/** Prices one usage event with the matching rate row. Throws PricingError when no usable rate exists. */
export function priceUsage(rates: readonly ServiceRate[], event: UsageEvent): PricedUsage {
  const rate = requireRate(rates, event.service, event.usage);
  const measure = USAGE_MEASURE[event.usage];
  const perBase = SUBUNITS_PER_BASE[measure];
  let billed = toSubunits(measure, event.quantity);
  const increment = BILLING_INCREMENT_SECONDS[event.usage];
  if (increment !== undefined) {
    const step = BigInt(increment * perBase);
    billed = ceilDiv(billed, step) * step;
  }
  const unitSize = BigInt(RATE_UNIT[rate.unit].size * perBase);
  const costUsd = priceQuantity(rate.usdPerUnit, billed, unitSize);
  return {
    service: event.service,
    usage: event.usage,
    quantity: event.quantity,
    billedQuantity: Number(billed) / perBase,
    costUsd,
    chargeUsd: applyMarkup(costUsd, rate.markup),
  };
}

/**
 * How a typical minute of conversation uses each provider, for estimates before the call. All whole numbers.
 * The defaults describe a relaxed two-way conversation:
 * - STT gets every second of caller audio (streaming STT bills the audio sent, silence included).
 * - The persona speaks about half the time, at ~150 words a minute × ~6 characters per word with its space
 *   = 900 characters per spoken minute, so TTS gets ~450 characters per call minute.
 * - About 6 LLM turns a minute, each re-sending system prompt + persona + scenario + history (~1,500 tokens).
 * - LLM output is the spoken text, at ~4 characters per token.
 */
export interface EstimateAssumptions {
  /** true: a phone call through Twilio (voice + Media Streams minutes); false: a browser call (no Twilio minutes). */
  readonly telephony: boolean;
  readonly sttService: Service;
  readonly llmService: LlmService;
  readonly ttsService: Service;
  readonly sttSecondsPerMinute: number;
  readonly personaSpeechSharePercent: number;
  readonly spokenCharactersPerMinute: number;
  readonly llmTurnsPerMinute: number;
  readonly llmInputTokensPerTurn: number;
  readonly charactersPerToken: number;
}

export const DEFAULT_ESTIMATE_ASSUMPTIONS: EstimateAssumptions = {
  telephony: true,
  sttService: 'deepgram',
  llmService: 'cerebras',
  ttsService: 'elevenlabs',
  sttSecondsPerMinute: 60,
  personaSpeechSharePercent: 50,
  spokenCharactersPerMinute: 900,
  llmTurnsPerMinute: 6,
  llmInputTokensPerTurn: 1500,
  charactersPerToken: 4,
};

/** Longest call the product places, whatever the budget: 30 minutes. */
export const MAX_CALL_SECONDS = 30 * 60;

/** `perMinute × seconds / 60`, rounded up to a whole unit. */
function perMinuteFor(perMinute: number, durationSeconds: number): number {
  return Math.ceil((perMinute * durationSeconds) / 60);
}

function assertDuration(durationSeconds: number): void {
  if (!Number.isInteger(durationSeconds) || durationSeconds < 0) {
    throw new RangeError(`A call duration is a whole number of seconds, got ${durationSeconds}.`);
  }
}

/** The usage a call of `durationSeconds` is expected to generate under the assumptions. */
export function expectedUsage(durationSeconds: number, a: EstimateAssumptions = DEFAULT_ESTIMATE_ASSUMPTIONS): UsageEvent[] {
  assertDuration(durationSeconds);
  const ttsCharacters = Math.ceil((a.spokenCharactersPerMinute * a.personaSpeechSharePercent * durationSeconds) / 6000);
  const events: UsageEvent[] = [];
  if (a.telephony) {
    events.push({ service: 'twilio', usage: 'call_seconds', quantity: durationSeconds });
    events.push({ service: 'twilio', usage: 'media_stream_seconds', quantity: durationSeconds });
  }
  events.push({ service: a.sttService, usage: 'stt_seconds', quantity: perMinuteFor(a.sttSecondsPerMinute, durationSeconds) });
  events.push({
    service: a.llmService,
    usage: 'llm_input_tokens',
    quantity: perMinuteFor(a.llmTurnsPerMinute * a.llmInputTokensPerTurn, durationSeconds),
  });
  events.push({ service: a.llmService, usage: 'llm_output_tokens', quantity: Math.ceil(ttsCharacters / a.charactersPerToken) });
  events.push({ service: a.ttsService, usage: 'tts_characters', quantity: ttsCharacters });
  return events;
}

export interface CallEstimate {
  readonly lines: readonly PricedUsage[];
  readonly costUsd: Usd;
  readonly chargeUsd: Usd;
  /** What the user is charged, rounded up to whole cents (= credits). */
  readonly cents: number;
}

export function estimateCall(
  rates: readonly ServiceRate[],
  durationSeconds: number,
  assumptions: EstimateAssumptions = DEFAULT_ESTIMATE_ASSUMPTIONS,
): CallEstimate {
  const lines = expectedUsage(durationSeconds, assumptions).map((e) => priceUsage(rates, e));
  const chargeUsd = sumUsd(lines.map((l) => l.chargeUsd));
  return { lines, costUsd: sumUsd(lines.map((l) => l.costUsd)), chargeUsd, cents: usdToCentsUp(chargeUsd) };
}

/** The estimated charge of a call lasting `durationSeconds`, in whole cents (rounded up). */
export function estimateCallCostCents(
  rates: readonly ServiceRate[],
  durationSeconds: number,
  assumptions: EstimateAssumptions = DEFAULT_ESTIMATE_ASSUMPTIONS,
): number {
  return estimateCall(rates, durationSeconds, assumptions).cents;
}

/**
 * The longest whole-second duration whose estimate fits in `budgetCents`, at most `maxSeconds`. Used as Twilio's
 * `TimeLimit` and the relay's cut-off. 0 means not even one second fits (a phone call costs at least one
 * Twilio minute), and the caller should refuse the call.
 */
export function maxDurationForBudget(
  rates: readonly ServiceRate[],
  budgetCents: number,
  assumptions: EstimateAssumptions = DEFAULT_ESTIMATE_ASSUMPTIONS,
  maxSeconds: number = MAX_CALL_SECONDS,
): number {
  assertDuration(maxSeconds);
  if (!Number.isSafeInteger(budgetCents) || budgetCents <= 0) return 0;
  const fits = (seconds: number): boolean => estimateCallCostCents(rates, seconds, assumptions) <= budgetCents;
  // The estimate never decreases with duration (every quantity is a rounded-up non-decreasing function of it),
  // so binary search finds the boundary.
  if (fits(maxSeconds)) return maxSeconds;
  let lo = 0; // fits
  let hi = maxSeconds; // does not fit
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
