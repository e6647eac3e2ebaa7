// Money as people read it. 1 credit = 1 US cent; provider costs are US dollars with sub-cent precision.

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234 → "$12.34". */
export function formatUsd(cents: number): string {
  return usd.format(Math.round(cents) / 100);
}

/** 1 → "1 credit", 1234 → "1,234 credits". */
export function formatCredits(credits: number): string {
  const n = Math.round(credits);
  return `${whole.format(n)} ${Math.abs(n) === 1 ? 'credit' : 'credits'}`;
}

/** "1,234 credits ($12.34)": both units, since a credit is a cent. */
export function creditsAndDollars(credits: number): string {
  return `${formatCredits(credits)} (${formatUsd(credits)})`;
}

/** A provider cost (numeric column, arrives as a string or number) in dollars. */
export function toUsd(value: string | number | null | undefined): number {
  const n = typeof value === 'number' ? value : Number(value ?? 0);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Provider costs keep sub-cent detail: "$0.0042", "$1.27". */
export function formatProviderUsd(value: string | number | null | undefined): string {
  const n = toUsd(value);
  if (n === 0) return '$0.00';
  if (n < 0.01) return `$${n.toFixed(4)}`;
  return `$${n.toFixed(n < 1 ? 3 : 2)}`;
}

/**
 * A sub-cent dollar amount with every digit it has (to a picodollar), at least four decimals, so the lines of a
 * price breakdown add up exactly by eye: "$0.0364", "$0.01604938257".
 */
export function formatUsdExact(value: string | number | null | undefined): string {
  const [whole, fraction = ''] = toUsd(value).toFixed(12).split('.');
  return `$${whole}.${fraction.replace(/0+$/, '').padEnd(4, '0')}`;
}

/** Share of `part` in `whole` as 0–100, clamped; 0 when the whole is not positive. */
export function percentOf(part: number, total: number): number {
  if (!(total > 0) || !Number.isFinite(part)) return 0;
  return Math.min(100, Math.max(0, (part / total) * 100));
}

/** "12.50" / "12" / "$12.5" (dollars typed into a form) → 1250 cents; null when not a positive amount. */
export function parseDollarsToCents(text: string): number | null {
  const cleaned = String(text ?? '').trim().replace(/^\$/, '').replace(/,/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
  const cents = Math.round(Number(cleaned) * 100);
  return cents > 0 ? cents : null;
}
