// How a call's charge is explained on its page, from the call_charge_lines and call_charges views: each provider's
// cost with its markup, then the one rounding per call, the cap at the hold, and what the hold gave back.
//
// The rule the database applies at settlement (private.settle_finished_call / private.charge_cents): every usage
// event is charged its provider cost × (1 + markup ÷ 100), exactly; the call's sum is rounded UP to a whole cent
// once (1 credit = 1 cent), and never more than was held for the call (credits) or authorised (card).
import type { Database } from '../../../core/src/database.types.ts';
import { PROVIDERS } from './cost_split.ts';
import { formatCredits, formatUsd, formatUsdExact, toUsd } from './money.ts';

type Num = string | number | null | undefined;

type View<Name extends keyof Database['public']['Views']> = Database['public']['Views'][Name]['Row'];

/** A row of the call_charge_lines view, as generated from the database. */
export type ChargeLineRow = Pick<View<'call_charge_lines'>, 'service' | 'markup_percent' | 'provider_cost_usd' | 'charged_usd'>;

/** A row of the call_charges view, as generated from the database. */
export type CallChargeRow = Pick<View<'call_charges'>,
  'payment_method' | 'charged_usd_exact' | 'rounded_up_cents' | 'charged_cents' | 'held_cents' | 'released_cents'>;

export interface PricedLine {
  name: string;
  role: string;
  cost: string;
  markup: string;
  charged: string;
}

export interface ChargeExplanation {
  lines: PricedLine[];
  providerCost: string;
  exact: string;
  /** "4 credits ($0.04)" once settled; null before. */
  total: string | null;
  rounding: string;
  /** What was held or authorised and what came back; null for demo calls. */
  hold: string | null;
}

/** Twilio, Deepgram … with their role, for a service key of call_cost_events. */
export function providerOf(service: string | null): { name: string; role: string } {
  const p = PROVIDERS.find((x) => x.key === `${service}_usd`);
  return p ? { name: p.name, role: p.role } : { name: service ?? 'Other', role: 'other usage' };
}

/** 30 → "+30%", 12.5 → "+12.5%". */
export function formatMarkup(percent: Num): string {
  const n = Number(percent ?? 0);
  return `+${Number.isFinite(n) ? Number(n.toFixed(2)) : 0}%`;
}

const wholeCents = (value: Num): number | null => (value == null || value === '' ? null : Math.round(Number(value)));

/** One line per provider (and markup), the most expensive first. */
export function pricedLines(rows: readonly ChargeLineRow[]): PricedLine[] {
  return [...rows]
    .sort((a, b) => toUsd(b.charged_usd) - toUsd(a.charged_usd))
    .map((r) => ({
      ...providerOf(r.service),
      cost: formatUsdExact(r.provider_cost_usd),
      markup: formatMarkup(r.markup_percent),
      charged: formatUsdExact(r.charged_usd)
    }));
}

function roundingSentence(c: CallChargeRow, exact: string): string {
  const rounded = wholeCents(c.rounded_up_cents) ?? 0;
  const charged = wholeCents(c.charged_cents);
  const rule = `Rounded up to the whole cent once per call, on the total: ${exact} becomes ${formatUsd(rounded)}`;
  if (charged == null) return 'The total is rounded up to the whole cent once per call, on the total, when the call settles.';
  if (c.payment_method === 'demo') return `${rule}. Demo call: nothing was billed.`;
  if (charged < rounded) {
    const cap = c.payment_method === 'card' ? `the ${formatUsd(wholeCents(c.held_cents) ?? charged)} authorised on your card` : `the ${formatCredits(wholeCents(c.held_cents) ?? charged)} held for the call`;
    return `${rule}, capped at ${cap}; the other ${formatUsd(rounded - charged)} is on us.`;
  }
  return `${rule}.`;
}

function holdSentence(c: CallChargeRow): string | null {
  const held = wholeCents(c.held_cents);
  const released = wholeCents(c.released_cents);
  if (c.payment_method === 'demo' || held == null) return null;
  const money = c.payment_method === 'card' ? formatUsd : formatCredits;
  const first = c.payment_method === 'card' ? `Authorised on your card: ${money(held)}` : `Held when the call started: ${money(held)}`;
  if (released == null) return `${first}, until the call settles.`;
  return `${first}; released when it settled: ${money(released)}.`;
}

/** Everything the call page says about the charge. */
export function explainCharge(rows: readonly ChargeLineRow[], c: CallChargeRow): ChargeExplanation {
  const exact = formatUsdExact(c.charged_usd_exact);
  const charged = wholeCents(c.charged_cents);
  return {
    lines: pricedLines(rows),
    providerCost: formatUsdExact(rows.reduce((s, r) => s + toUsd(r.provider_cost_usd), 0)),
    exact,
    total: charged == null ? null : c.payment_method === 'demo' ? `${formatUsd(charged)} (demo: not billed)` : c.payment_method === 'card' ? formatUsd(charged) : `${formatCredits(charged)} (${formatUsd(charged)})`,
    rounding: roundingSentence(c, exact),
    hold: holdSentence(c)
  };
}
