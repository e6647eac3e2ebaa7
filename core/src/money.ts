// Money arithmetic without floating point.
//
// Two representations:
// - User-facing amounts are whole US cents (1 credit = 1 cent), as plain integer `number`s.
// - Provider costs need sub-cent precision: one LLM token can cost $0.0000001. They are `bigint` counts of
//   picodollars (1 USD = 10^12 pUSD), which holds every price with up to 12 decimal places exactly and never
//   overflows. At the edges they travel as decimal strings (`usdToDecimal`), which Postgres `numeric` stores
//   exactly and JSON carries without loss.
//
// Rounding is always towards the user paying at most one unit more, never the business losing money silently:
// anything finer than a picodollar, and every conversion to cents, rounds up.

/** An amount of US dollars in picodollars (10^-12 USD). */
export type Usd = bigint;

export const PICO_PER_USD = 1_000_000_000_000n;
export const PICO_PER_CENT = 10_000_000_000n;
const USD_DECIMALS = 12;

const DECIMAL_PATTERN = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?$/;

/** A decimal as integer `mantissa × 10^exponent`. */
interface Decimal {
  readonly mantissa: bigint;
  readonly exponent: number;
}

function parseDecimal(value: string | number, what: string): Decimal {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`${what} must be a finite number, got ${value}.`);
  }
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = DECIMAL_PATTERN.exec(text);
  const whole = match?.[2] ?? '';
  const fraction = match?.[3] ?? '';
  if (!match || whole.length + fraction.length === 0 || whole.length + fraction.length > 40) {
    throw new RangeError(`${what} must be a decimal number such as "0.0135", got ${JSON.stringify(text)}.`);
  }
  const sign = match[1] === '-' ? -1n : 1n;
  const exponent = Number(match[4] ?? '0') - fraction.length;
  return { mantissa: sign * BigInt(whole + fraction), exponent };
}

/** `a / b` rounded towards +∞, for b > 0. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  if (b <= 0n) throw new RangeError('ceilDiv needs a positive divisor.');
  const q = a / b; // truncates towards zero
  return a % b > 0n ? q + 1n : q;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** `amount × decimal`, rounded up to a whole picodollar. */
function timesDecimal(amount: bigint, d: Decimal): bigint {
  const product = amount * d.mantissa;
  return d.exponent >= 0 ? product * pow10(d.exponent) : ceilDiv(product, pow10(-d.exponent));
}

/** Dollars from a decimal string (as Postgres `numeric` returns it) or a number (as JSON carries it). */
export function usdFromDecimal(value: string | number): Usd {
  const d = parseDecimal(value, 'A dollar amount');
  return timesDecimal(PICO_PER_USD, d);
}

/** Exact decimal string of a dollar amount, without trailing zeros: 1_500_000_000_000n → "1.5". */
export function usdToDecimal(amount: Usd): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const whole = abs / PICO_PER_USD;
  const fraction = (abs % PICO_PER_USD).toString().padStart(USD_DECIMALS, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Whole cents covering the amount, rounded up: $0.0101 → 2 cents. */
export function usdToCentsUp(amount: Usd): number {
  return Number(ceilDiv(amount, PICO_PER_CENT));
}

export function centsToUsd(cents: number): Usd {
  assertWholeCents(cents);
  return BigInt(cents) * PICO_PER_CENT;
}

export function sumUsd(amounts: Iterable<Usd>): Usd {
  let total = 0n;
  for (const a of amounts) total += a;
  return total;
}

/**
 * A markup is a multiplier on provider cost: "1.5" bills cost + 50 %. Below 1 would sell under cost, which is
 * almost always a percentage typed in the wrong place ("0.3" meant as +30 %), so it is refused.
 */
function parseMarkup(markup: string | number): Decimal {
  const d = parseDecimal(markup, 'A markup');
  // Compare mantissa × 10^exponent with 1 exactly.
  const one = d.exponent >= 0 ? 1n : pow10(-d.exponent);
  const scaled = d.exponent >= 0 ? d.mantissa * pow10(d.exponent) : d.mantissa;
  if (scaled < one) {
    throw new RangeError(`A markup is a multiplier of at least 1 (1.5 means cost + 50 %), got ${JSON.stringify(String(markup))}.`);
  }
  return d;
}

/** Throws a RangeError naming the problem when `markup` is not a valid multiplier. */
export function assertValidMarkup(markup: string | number): void {
  parseMarkup(markup);
}

/** Provider cost with the markup applied, rounded up to a picodollar. */
export function applyMarkup(cost: Usd, markup: string | number): Usd {
  return timesDecimal(cost, parseMarkup(markup));
}

/** What the user is charged for an actual provider cost: markup applied, rounded up to whole cents. */
export function chargeCents(actualUsd: Usd, markup: string | number): number {
  return usdToCentsUp(applyMarkup(actualUsd, markup));
}

/** `rate × quantity / per`, where rate is a decimal dollar price per `per` units; rounded up to a picodollar. */
export function priceQuantity(ratePerUnit: string | number, quantity: bigint, per: bigint): Usd {
  const rate = usdFromDecimal(ratePerUnit);
  return ceilDiv(rate * quantity, per);
}

function assertWholeCents(cents: number): void {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`Cents must be a whole number, got ${cents}.`);
}

/** "$12.34" (or "-$0.05") for a whole number of cents. */
export function formatCents(cents: number): string {
  assertWholeCents(cents);
  const abs = Math.abs(cents);
  const dollars = Math.floor(abs / 100).toLocaleString('en-US');
  return `${cents < 0 ? '-' : ''}$${dollars}.${String(abs % 100).padStart(2, '0')}`;
}
