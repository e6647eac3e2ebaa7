// Phone-number rules: what we accept as a number to call, and in which form we store it (E.164).
//
// Calling user-supplied numbers is the main route to toll fraud (premium-rate pumping, shared-cost ranges), so
// the rules fail closed: a number is accepted only when libphonenumber's full metadata positively identifies it as
// a valid number of an allowed type in an allowed country. The full ("max") metadata is required: with the
// smaller sets `getType()` can return undefined for perfectly good numbers.

import { parsePhoneNumberWithError, ParseError, validatePhoneNumberLength, type CountryCode, type PhoneNumber, type PhoneNumberType } from 'libphonenumber-js/max';
import { appError, fail, ok, type AppError, type Result } from './errors.ts';

export type PhoneErrorCode = 'phone_invalid' | 'phone_country_not_allowed' | 'phone_type_not_allowed';

export interface PhoneError extends AppError {
  readonly code: PhoneErrorCode;
}

export interface NormalizedPhone {
  /** E.164, e.g. "+447400123456". */
  readonly e164: string;
  readonly country: CountryCode;
  readonly type: AllowedPhoneType;
}

/** Countries we call by default: where the product is offered and calls are low-risk and cheap. */
export const DEFAULT_ALLOWED_COUNTRIES: readonly CountryCode[] = [
  'US', 'CA', 'GB', 'IE', 'AU', 'NZ', 'DE', 'FR', 'NL', 'ES', 'IT', 'SE',
];

const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** A country's name in English for a person to read ("GG" → "Guernsey"); the code itself if it has none. */
export function regionName(code: string): string {
  try {
    return REGION_NAMES.of(code) ?? code;
  } catch {
    return code;
  }
}

// Allowed: numbers a person carries or has at home.
// Refused, and why:
// - PREMIUM_RATE, SHARED_COST, UAN: the caller pays extra and the range holder earns from it, the classic
//   revenue-share fraud target. UAN ranges (UK 055/056-style business numbers) are often shared-cost.
// - PERSONAL_NUMBER (UK 070), PAGER, VOICEMAIL: redirection or non-voice services, some charged at premium rates.
// - TOLL_FREE: no one's personal phone is toll-free; these are business lines and IVRs, so allowing them
//   would only let the product be used to ring businesses.
// - VOIP: the dedicated VoIP ranges (UK 056, NL 085/091, …) are cheap to acquire in bulk, which makes them
//   the ranges number farms use; most VoIP users in the US/CA still pass because NANP numbers are typed
//   FIXED_LINE_OR_MOBILE. A deployment that wants them can pass `allowedTypes`.
// - Unknown (undefined) type: fail closed.
export const ALLOWED_PHONE_TYPES = ['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE'] as const;
export type AllowedPhoneType = (typeof ALLOWED_PHONE_TYPES)[number] | 'VOIP';

export interface NormalizePhoneOptions {
  /** Country assumed for numbers written without a +country code, e.g. the user's own country. */
  readonly defaultCountry?: CountryCode;
  readonly allowedCountries?: readonly CountryCode[];
  readonly allowedTypes?: readonly AllowedPhoneType[];
}

// Long enough for any real formatting of a 15-digit E.164 number, short enough to refuse pasted text.
const MAX_INPUT_LENGTH = 32;
// Digits, spaces and the usual punctuation; letters (vanity numbers, extensions) are refused.
const ALLOWED_CHARACTERS = /^\+?[\d\s().\-/]+$/;

const TYPE_DESCRIPTIONS: Readonly<Record<PhoneNumberType, string>> = {
  PREMIUM_RATE: 'a premium-rate number',
  SHARED_COST: 'a shared-cost number',
  UAN: 'a business (UAN) number',
  PERSONAL_NUMBER: 'a personal redirection number',
  PAGER: 'a pager number',
  VOICEMAIL: 'a voicemail access number',
  TOLL_FREE: 'a toll-free number',
  VOIP: 'an internet (VoIP) number',
  MOBILE: 'a mobile number',
  FIXED_LINE: 'a landline number',
  FIXED_LINE_OR_MOBILE: 'a mobile or landline number',
};

function phoneError(code: PhoneErrorCode, message: string): PhoneError {
  return { ...appError(code, message), code };
}

function invalid(message: string): Result<NormalizedPhone, PhoneError> {
  return fail(phoneError('phone_invalid', message));
}

function describeParseError(reason: string): string {
  switch (reason) {
    case 'INVALID_COUNTRY':
      return 'Include the country code, starting with +, for example +44 7400 123456.';
    case 'TOO_SHORT':
      return 'That number is too short. Check you entered every digit, including the area code.';
    case 'TOO_LONG':
      return 'That number is too long. Check for extra digits.';
    case 'INVALID_LENGTH':
      return 'That number has the wrong number of digits for its country. Check the digits and the country code.';
    default:
      return 'That does not look like a phone number. Enter it with the country code, for example +44 7400 123456.';
  }
}

/**
 * Parses what a person typed into E.164 and checks it is a number we may call. Never throws: bad input gives a
 * `PhoneError` whose message says what to do.
 */
export function normalizePhone(input: string, options: NormalizePhoneOptions = {}): Result<NormalizedPhone, PhoneError> {
  const text = typeof input === 'string' ? input.trim() : '';
  if (text === '') return invalid('Enter a phone number, including the country code.');
  if (text.length > MAX_INPUT_LENGTH) return invalid('That is too long for a phone number. Enter just the number.');
  if (!ALLOWED_CHARACTERS.test(text)) {
    return invalid('Use only digits, spaces and + ( ) - in a phone number, without letters or an extension.');
  }

  let parsed: PhoneNumber;
  try {
    parsed = parsePhoneNumberWithError(text, { defaultCountry: options.defaultCountry, extract: false });
  } catch (error) {
    if (error instanceof ParseError) return invalid(describeParseError(error.message));
    return invalid('That does not look like a phone number. Enter it with the country code, for example +44 7400 123456.');
  }

  if (!parsed.isValid()) {
    const lengthProblem = validatePhoneNumberLength(text, { defaultCountry: options.defaultCountry });
    if (lengthProblem !== undefined) return invalid(describeParseError(lengthProblem));
    return invalid('That number does not exist in its country’s numbering plan. Check the digits and the country code.');
  }

  const allowedCountries = options.allowedCountries ?? DEFAULT_ALLOWED_COUNTRIES;
  const country = parsed.country;
  if (country === undefined || !allowedCountries.includes(country)) {
    return fail(
      phoneError(
        'phone_country_not_allowed',
        `We cannot call numbers in ${country ? regionName(country) : `the +${parsed.countryCallingCode} region`} yet. Use a number from one of these countries: ${allowedCountries.map(regionName).join(', ')}.`,
      ),
    );
  }

  const allowedTypes: readonly string[] = options.allowedTypes ?? ALLOWED_PHONE_TYPES;
  const type = parsed.getType();
  if (type === undefined || !allowedTypes.includes(type)) {
    const what = type === undefined ? 'a number whose kind we cannot confirm' : TYPE_DESCRIPTIONS[type];
    return fail(
      phoneError('phone_type_not_allowed', `That is ${what}, which we do not call. Enter a personal mobile or landline number.`),
    );
  }

  return ok({ e164: parsed.number, country, type: type as AllowedPhoneType });
}

/** A number for logs and screens that do not need all of it: "+44•••••3456". */
export function maskPhone(e164: string): string {
  if (e164.length <= 6) return e164;
  return `${e164.slice(0, 3)}${'•'.repeat(e164.length - 7)}${e164.slice(-4)}`;
}

/** The number without its last four digits: the key for per-prefix velocity limits against number farms. */
export function phonePrefix(e164: string): string {
  return e164.slice(0, Math.max(1, e164.length - 4));
}
