import { describe, expect, it } from 'vitest';
import { markupRange, priceLines, type PriceRow } from './pricing_page.ts';

// The seeded prices (supabase/seed.sql), as the price_list view returns them.
const PRICES: PriceRow[] = [
  { service: 'twilio', rate_key: 'voice_outbound_us', unit: 'minute', unit_price_usd: 0.014, markup_percent: 30, unit_price_charged_usd: 0.0182 },
  { service: 'twilio', rate_key: 'media_streams', unit: 'minute', unit_price_usd: 0.004, markup_percent: 30, unit_price_charged_usd: 0.0052 },
  { service: 'twilio', rate_key: 'client_voice_sdk', unit: 'minute', unit_price_usd: 0.004, markup_percent: 30, unit_price_charged_usd: 0.0052 },
  { service: 'deepgram', rate_key: 'nova-3_streaming', unit: 'minute', unit_price_usd: 0.0077, markup_percent: 30, unit_price_charged_usd: 0.01001 },
  { service: 'elevenlabs', rate_key: 'eleven_flash_v2_5', unit: 'character', unit_price_usd: 0.00005, markup_percent: 30, unit_price_charged_usd: 0.000065 },
  { service: 'cerebras', rate_key: 'llama-3.3-70b_input', unit: 'token', unit_price_usd: 0.00000085, markup_percent: 30, unit_price_charged_usd: 0.000001105 },
  { service: 'cerebras', rate_key: 'llama-3.3-70b_output', unit: 'token', unit_price_usd: 0.0000012, markup_percent: 30, unit_price_charged_usd: 0.00000156 }
];

describe('pricing page', () => {
  it('quotes each price as providers do, with the markup and what you pay', () => {
    const lines = priceLines(PRICES);
    expect(lines).toContainEqual({ provider: 'Cerebras', item: 'language model, input', per: 'per million tokens', price: '$0.8500', markup: '+30%', charged: '$1.1050' });
    expect(lines).toContainEqual({ provider: 'ElevenLabs', item: 'voice', per: 'per 1,000 characters', price: '$0.0500', markup: '+30%', charged: '$0.0650' });
    expect(lines).toContainEqual({ provider: 'Twilio', item: 'browser call line', per: 'per minute', price: '$0.0040', markup: '+30%', charged: '$0.0052' });
    expect(lines.map((l) => l.provider)).toEqual(['Cerebras', 'Cerebras', 'Deepgram', 'ElevenLabs', 'Twilio', 'Twilio', 'Twilio']);
  });

  it('states one markup, or the range when prices differ', () => {
    expect(markupRange(PRICES)).toBe('30%');
    expect(markupRange([...PRICES, { ...PRICES[0]!, markup_percent: 12.5 }])).toBe('12.5% to 30%');
    expect(markupRange([])).toBeNull();
  });
});
