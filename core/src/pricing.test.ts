import { describe, expect, it } from 'vitest';
import { usdToDecimal } from './money.ts';
import {
  DEFAULT_ESTIMATE_ASSUMPTIONS,
  MAX_CALL_SECONDS,
  PricingError,
  estimateCall,
  estimateCallCostCents,
  expectedUsage,
  maxDurationForBudget,
  priceUsage,
  toServiceRates,
  validateRate,
  type ServiceRate,
} from './pricing.ts';

// Round example prices in the shape of the vendors' public price lists; every worked example below uses them.
const RATES: ServiceRate[] = [
  { service: 'twilio', usage: 'call_seconds', unit: 'minute', usdPerUnit: '0.014', markup: '1.5' },
  { service: 'twilio', usage: 'media_stream_seconds', unit: 'minute', usdPerUnit: '0.004', markup: '1.5' },
  { service: 'deepgram', usage: 'stt_seconds', unit: 'minute', usdPerUnit: '0.0077', markup: '1.5' },
  { service: 'cerebras', usage: 'llm_input_tokens', unit: '1m_tokens', usdPerUnit: '0.10', markup: '1.5' },
  { service: 'cerebras', usage: 'llm_output_tokens', unit: '1m_tokens', usdPerUnit: '0.10', markup: '1.5' },
  { service: 'openai', usage: 'llm_input_tokens', unit: '1m_tokens', usdPerUnit: '0.15', markup: '1.5' },
  { service: 'openai', usage: 'llm_output_tokens', unit: '1m_tokens', usdPerUnit: '0.60', markup: '1.5' },
  { service: 'elevenlabs', usage: 'tts_characters', unit: '1k_characters', usdPerUnit: '0.10', markup: '1.5' },
];

describe('priceUsage', () => {
  it('bills Twilio per started minute', () => {
    // 61 s → 2 minutes × $0.014 = $0.028; × 1.5 = $0.042
    const p = priceUsage(RATES, { service: 'twilio', usage: 'call_seconds', quantity: 61 });
    expect(p.billedQuantity).toBe(120);
    expect(usdToDecimal(p.costUsd)).toBe('0.028');
    expect(usdToDecimal(p.chargeUsd)).toBe('0.042');
    // 60 s is exactly one minute; 0 s (never answered) costs nothing
    expect(usdToDecimal(priceUsage(RATES, { service: 'twilio', usage: 'call_seconds', quantity: 60 }).costUsd)).toBe('0.014');
    expect(priceUsage(RATES, { service: 'twilio', usage: 'media_stream_seconds', quantity: 0 }).costUsd).toBe(0n);
  });

  it('bills STT by the second, fractions to the millisecond', () => {
    // 90 s at $0.0077/min = 1.5 × 0.0077 = $0.01155
    const p = priceUsage(RATES, { service: 'deepgram', usage: 'stt_seconds', quantity: 90 });
    expect(p.billedQuantity).toBe(90);
    expect(usdToDecimal(p.costUsd)).toBe('0.01155');
    // 12.5 s = 12,500 ms at $0.0077 per 60,000 ms = $0.00160416666… → rounded up at the 12th decimal
    expect(usdToDecimal(priceUsage(RATES, { service: 'deepgram', usage: 'stt_seconds', quantity: 12.5 }).costUsd)).toBe(
      '0.001604166667',
    );
  });

  it('bills LLM tokens in and out at their own prices', () => {
    // 1,200 in at $0.15/M = $0.00018; 80 out at $0.60/M = $0.000048
    expect(usdToDecimal(priceUsage(RATES, { service: 'openai', usage: 'llm_input_tokens', quantity: 1200 }).costUsd)).toBe('0.00018');
    expect(usdToDecimal(priceUsage(RATES, { service: 'openai', usage: 'llm_output_tokens', quantity: 80 }).costUsd)).toBe('0.000048');
  });

  it('bills TTS per character', () => {
    // 237 characters at $0.10 per 1k = $0.0237; × 1.5 = $0.03555
    const p = priceUsage(RATES, { service: 'elevenlabs', usage: 'tts_characters', quantity: 237 });
    expect(usdToDecimal(p.costUsd)).toBe('0.0237');
    expect(usdToDecimal(p.chargeUsd)).toBe('0.03555');
  });

  it('throws PricingError naming the missing rate', () => {
    expect(() => priceUsage(RATES, { service: 'deepgram', usage: 'tts_characters', quantity: 1 })).toThrow(PricingError);
    expect(() => priceUsage(RATES, { service: 'deepgram', usage: 'tts_characters', quantity: 1 })).toThrow(/deepgram tts_characters/);
  });

  it('refuses impossible quantities', () => {
    expect(() => priceUsage(RATES, { service: 'elevenlabs', usage: 'tts_characters', quantity: 1.5 })).toThrow(/whole numbers/);
    expect(() => priceUsage(RATES, { service: 'deepgram', usage: 'stt_seconds', quantity: -1 })).toThrow(/zero or more/);
    expect(() => priceUsage(RATES, { service: 'deepgram', usage: 'stt_seconds', quantity: Number.NaN })).toThrow(/zero or more/);
  });

  it('refuses a rate whose unit does not fit the usage', () => {
    const bad: ServiceRate[] = [{ service: 'deepgram', usage: 'stt_seconds', unit: '1k_characters', usdPerUnit: '1', markup: '1' }];
    expect(() => priceUsage(bad, { service: 'deepgram', usage: 'stt_seconds', quantity: 1 })).toThrow(/counted in seconds/);
  });
});

describe('validateRate', () => {
  it('accepts the example rates', () => {
    for (const r of RATES) expect(validateRate(r)).toEqual([]);
  });

  it('explains each problem', () => {
    const problems = validateRate({ service: 'twilio', usage: 'call_seconds', unit: 'token', usdPerUnit: '-0.01', markup: '0.3' });
    expect(problems).toHaveLength(3);
    expect(problems.join(' ')).toMatch(/cannot be priced per token/);
    expect(problems.join(' ')).toMatch(/negative/);
    expect(problems.join(' ')).toMatch(/at least 1/);
    expect(validateRate({ service: 'skype' as never, usage: 'call_seconds', unit: 'minute', usdPerUnit: 'x', markup: 1 })).toHaveLength(2);
  });
});

describe('expectedUsage', () => {
  it('follows the documented per-minute assumptions', () => {
    // 180 s: 3 Twilio minutes each; STT 180 s; LLM in 6 turns × 1,500 × 3 = 27,000;
    // TTS 900 × 50 % × 3 = 1,350 characters; LLM out ceil(1,350 / 4) = 338 tokens.
    expect(expectedUsage(180).map((e) => [e.service, e.usage, e.quantity])).toEqual([
      ['twilio', 'call_seconds', 180],
      ['twilio', 'media_stream_seconds', 180],
      ['deepgram', 'stt_seconds', 180],
      ['cerebras', 'llm_input_tokens', 27000],
      ['cerebras', 'llm_output_tokens', 338],
      ['elevenlabs', 'tts_characters', 1350],
    ]);
  });

  it('leaves out Twilio for browser calls', () => {
    const usage = expectedUsage(60, { ...DEFAULT_ESTIMATE_ASSUMPTIONS, telephony: false });
    expect(usage.some((e) => e.service === 'twilio')).toBe(false);
  });

  it('refuses fractional or negative durations', () => {
    expect(() => expectedUsage(1.5)).toThrow(RangeError);
    expect(() => expectedUsage(-1)).toThrow(RangeError);
  });
});

describe('estimateCallCostCents', () => {
  it('prices a 3-minute phone call (worked example)', () => {
    // Twilio voice  3 min × $0.014          = $0.042
    // Media Streams 3 min × $0.004          = $0.012
    // Deepgram      3 min × $0.0077         = $0.0231
    // Cerebras in   27,000 × $0.10 / 1M     = $0.0027
    // Cerebras out  338 × $0.10 / 1M        = $0.0000338
    // ElevenLabs    1,350 × $0.10 / 1k      = $0.135
    // cost                                  = $0.2148338
    // × markup 1.5                          = $0.3222507 = 32.22507 cents → 33 cents
    const estimate = estimateCall(RATES, 180);
    expect(usdToDecimal(estimate.costUsd)).toBe('0.2148338');
    expect(usdToDecimal(estimate.chargeUsd)).toBe('0.3222507');
    expect(estimate.cents).toBe(33);
    expect(estimateCallCostCents(RATES, 180)).toBe(33);
  });

  it('prices a 3-minute browser call with OpenAI (worked example)', () => {
    // Deepgram   $0.0231; OpenAI in 27,000 × $0.15/1M = $0.00405; out 338 × $0.60/1M = $0.0002028;
    // ElevenLabs $0.135; cost = $0.1623528; × 1.5 = $0.2435292 → 25 cents
    const a = { ...DEFAULT_ESTIMATE_ASSUMPTIONS, telephony: false, llmService: 'openai' as const };
    expect(usdToDecimal(estimateCall(RATES, 180, a).costUsd)).toBe('0.1623528');
    expect(estimateCallCostCents(RATES, 180, a)).toBe(25);
  });

  it('charges a whole Twilio minute for the first second', () => {
    // 1 s: Twilio 1 min × ($0.014 + $0.004) = $0.018; STT 1/60 × 0.0077 = $0.000128333…;
    // LLM in 150 × $0.10/1M = $0.000015; TTS 8 chars (ceil 7.5) = $0.0008; LLM out 2 tokens = $0.0000002
    // ≈ $0.0189435 × 1.5 ≈ $0.02841 → 3 cents
    expect(estimateCallCostCents(RATES, 1)).toBe(3);
    expect(estimateCallCostCents(RATES, 0)).toBe(0);
  });

  it('never decreases as the call gets longer', () => {
    let previous = 0;
    for (let s = 0; s <= 600; s += 7) {
      const cents = estimateCallCostCents(RATES, s);
      expect(cents).toBeGreaterThanOrEqual(previous);
      previous = cents;
    }
  });

  it('throws when a needed rate is missing', () => {
    const noTts = RATES.filter((r) => r.service !== 'elevenlabs');
    expect(() => estimateCallCostCents(noTts, 60)).toThrow(/elevenlabs tts_characters/);
  });
});

describe('maxDurationForBudget', () => {
  it('finds the longest call a 50-cent budget covers (worked example)', () => {
    // Each started minute costs 1.5 × ($0.014 + $0.004) = $0.027 in Twilio charges; every second costs about
    // 1.5 × ($0.0077/60 + 150 tokens × $0.10/1M + 7.5 chars × $0.0001 + ~1.9 tokens × $0.10/1M) ≈ $0.0013403.
    // 4 minutes: 4 × 0.027 + 240 × 0.0013403 ≈ $0.430 fits. In minute 5: 0.135 + d × 0.0013403 ≤ 0.50
    // → d ≤ 272.3, so 272 s (estimate $0.4995565 → 50 cents; 273 s → 51 cents).
    expect(maxDurationForBudget(RATES, 50)).toBe(272);
    expect(estimateCallCostCents(RATES, 272)).toBe(50);
    expect(estimateCallCostCents(RATES, 273)).toBe(51);
  });

  it('is the exact boundary for several budgets', () => {
    for (const budget of [3, 5, 20, 100, 250]) {
      const seconds = maxDurationForBudget(RATES, budget);
      expect(estimateCallCostCents(RATES, seconds)).toBeLessThanOrEqual(budget);
      expect(estimateCallCostCents(RATES, seconds + 1)).toBeGreaterThan(budget);
    }
  });

  it('returns 0 when not even the first Twilio minute fits', () => {
    // The first second already costs 3 cents (see above).
    expect(maxDurationForBudget(RATES, 2)).toBe(0);
    expect(maxDurationForBudget(RATES, 0)).toBe(0);
    expect(maxDurationForBudget(RATES, -5)).toBe(0);
  });

  it('is clamped to the product maximum and to a smaller cap when given', () => {
    expect(maxDurationForBudget(RATES, 1_000_000)).toBe(MAX_CALL_SECONDS);
    expect(maxDurationForBudget(RATES, 1_000_000, DEFAULT_ESTIMATE_ASSUMPTIONS, 300)).toBe(300);
  });
});

describe('toServiceRates', () => {
  it('turns service_rates rows into rates: markup percent becomes a multiplier, rows the estimate does not use are left out', () => {
    expect(toServiceRates([
      { service: 'deepgram', rate_key: 'nova-3_streaming', unit: 'minute', unit_price_usd: '0.0077', markup_percent: '30.00' },
      { service: 'twilio', rate_key: 'media_streams', unit: 'minute', unit_price_usd: 0.004, markup_percent: 12.5 },
      { service: 'twilio', rate_key: 'client_voice_sdk', unit: 'minute', unit_price_usd: '0.004', markup_percent: '30' },
    ])).toEqual([
      { service: 'deepgram', usage: 'stt_seconds', unit: 'minute', usdPerUnit: '0.0077', markup: '1.3000' },
      { service: 'twilio', usage: 'media_stream_seconds', unit: 'minute', usdPerUnit: 0.004, markup: '1.1250' },
    ]);
  });
});
