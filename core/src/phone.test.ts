import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_COUNTRIES, maskPhone, normalizePhone, phonePrefix, regionName, type PhoneErrorCode } from './phone.ts';

function errorCode(input: string, options?: Parameters<typeof normalizePhone>[1]): PhoneErrorCode | 'ok' {
  const r = normalizePhone(input, options);
  return r.ok ? 'ok' : r.error.code;
}

describe('normalizePhone accepts personal numbers', () => {
  it.each([
    ['+44 7400 123456', '+447400123456', 'GB', 'MOBILE'],
    ['+44 20 7946 0958', '+442079460958', 'GB', 'FIXED_LINE'],
    ['+1 (415) 555-2671', '+14155552671', 'US', 'FIXED_LINE_OR_MOBILE'],
    ['+1 613 555 0123', '+16135550123', 'CA', 'FIXED_LINE_OR_MOBILE'],
    ['+49 1512 3456789', '+4915123456789', 'DE', 'MOBILE'],
    ['+33 6 12 34 56 78', '+33612345678', 'FR', 'MOBILE'],
    ['+61 412 345 678', '+61412345678', 'AU', 'MOBILE'],
    ['+64 21 123 4567', '+64211234567', 'NZ', 'MOBILE'],
    ['  +46 70-123.45.67  ', '+46701234567', 'SE', 'MOBILE'],
  ])('%s → %s', (input, e164, country, type) => {
    const r = normalizePhone(input);
    expect(r).toEqual({ ok: true, value: { e164, country, type } });
  });

  it('uses the default country for national formats, including 00 international prefixes', () => {
    expect(normalizePhone('020 7946 0958', { defaultCountry: 'GB' })).toMatchObject({ ok: true, value: { e164: '+442079460958' } });
    expect(normalizePhone('0049 1512 3456789', { defaultCountry: 'GB' })).toMatchObject({ ok: true, value: { e164: '+4915123456789' } });
    expect(normalizePhone('(415) 555-2671', { defaultCountry: 'US' })).toMatchObject({ ok: true, value: { e164: '+14155552671' } });
  });
});

describe('normalizePhone refuses malformed input', () => {
  it.each([
    ['', /Enter a phone number/],
    ['   ', /Enter a phone number/],
    ['+1 800 FLOWERS', /without letters/],
    ['call me', /without letters/],
    ['+44 7400 123456 ext 12', /without letters/],
    ['+44 7400 123456 #', /without letters/],
    ['+44 7400 123456 7400 123456 7400 123456', /too long for a phone number/],
    ['+44 1234567890123456', /too long/],
    ['+4412', /too short/],
    ['07400 123456', /country code/], // national format with no default country
    ['+44 7400 12345', /does not exist/], // one digit short for a UK mobile
    ['+1 700 234 5678', /does not exist/],
    ['++44 7400 123456', /without letters/],
  ])('%j', (input, message) => {
    const r = normalizePhone(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('phone_invalid');
      expect(r.error.status).toBe(400);
      expect(r.error.message).toMatch(message);
      expect(r.error.message).toMatch(/\.$/);
    }
  });

  it('does not throw for non-string input arriving from JSON', () => {
    expect(errorCode(42 as unknown as string)).toBe('phone_invalid');
    expect(errorCode(null as unknown as string)).toBe('phone_invalid');
  });
});

describe('normalizePhone refuses countries outside the allow-list', () => {
  it.each([
    ['+7 912 345 6789', 'Russia'], // valid Russian mobile
    ['+1 242 359 1234', 'Bahamas'], // Bahamas: +1 like the US, a classic toll-fraud destination
    ['+44 7797 123456', 'Jersey'], // Jersey shares +44 with the UK but is not GB
    ['+44 7781 123456', 'Guernsey'], // so does Guernsey
  ])('%s (%s), named for a person to read', (input, country) => {
    const r = normalizePhone(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('phone_country_not_allowed');
      expect(r.error.status).toBe(422);
      expect(r.error.message).toContain(`We cannot call numbers in ${country} yet.`);
      expect(r.error.message).toContain('United Kingdom, Ireland');
      expect(r.error.message).not.toMatch(/\b[A-Z]{2}\b/);
    }
  });

  it('names a country by its code when the runtime has no name for it', () => {
    expect(regionName('GG')).toBe('Guernsey');
    expect(regionName('XX')).toBe('XX');
  });

  it('refuses non-geographic international numbers that have no country', () => {
    const r = normalizePhone('+800 1234 5678');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('phone_country_not_allowed');
      expect(r.error.message).toContain('+800');
    }
  });

  it('honours a custom allow-list', () => {
    expect(errorCode('+7 912 345 6789', { allowedCountries: ['RU'] })).toBe('ok');
    expect(errorCode('+44 7400 123456', { allowedCountries: ['US'] })).toBe('phone_country_not_allowed');
    expect(DEFAULT_ALLOWED_COUNTRIES).toContain('IE');
  });
});

describe('normalizePhone refuses number types we do not call', () => {
  it.each([
    ['+44 909 876 0000', /premium-rate/], // UK 09 premium rate
    ['+1 900 234 5678', /premium-rate/], // US 900
    ['+44 843 123 4567', /premium-rate/], // UK 084 service numbers are typed premium by the metadata
    ['+34 901 123 456', /shared-cost/], // Spain 901
    ['+44 55 1234 5678', /UAN/],
    ['+353 818 123 456', /UAN/], // Ireland 0818
    ['+44 70 1234 5678', /personal redirection/], // UK 070
    ['+1 500 234 5678', /personal redirection/], // US 500
    ['+44 76 4012 3456', /pager/],
    ['+44 800 123 4567', /toll-free/],
    ['+1 800 234 5678', /toll-free/],
    ['+44 56 1234 5678', /VoIP/],
    ['+31 85 123 4567', /VoIP/],
  ])('%s', (input, message) => {
    const r = normalizePhone(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('phone_type_not_allowed');
      expect(r.error.message).toMatch(message);
      expect(r.error.message).toMatch(/Enter a personal mobile or landline number\.$/);
    }
  });

  it('allows VoIP only when asked to', () => {
    expect(normalizePhone('+44 56 1234 5678', { allowedTypes: ['MOBILE', 'FIXED_LINE', 'VOIP'] })).toEqual({
      ok: true,
      value: { e164: '+445612345678', country: 'GB', type: 'VOIP' },
    });
  });
});

describe('maskPhone and phonePrefix', () => {
  it('hides the middle digits', () => {
    expect(maskPhone('+447400123456')).toBe('+44••••••3456');
    expect(maskPhone('+1234')).toBe('+1234');
  });

  it('drops the last four digits', () => {
    expect(phonePrefix('+447400123456')).toBe('+44740012');
  });
});
