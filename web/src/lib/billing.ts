// What the billing page offers (core's catalogue, the list the checkout function charges) and how the ledger reads.

import { bonusPercent, creditsOf, CREDIT_PACKS as PACKS, PLANS as PLAN_LIST, STARTING_CREDITS } from '../../../core/src/catalogue.ts';

export { bonusPercent };

/** A pack or a plan as the page lists it: for a plan, `credits` are its monthly credits. */
export interface Offer {
  id: string;
  name: string;
  credits: number;
  priceCents: number;
}

export const CREDIT_PACKS: readonly Offer[] = PACKS.map((p) => ({ ...p }));
export const PLANS: readonly Offer[] = PLAN_LIST.map((p) => ({ id: p.id, name: p.name, credits: creditsOf(p), priceCents: p.priceCents }));

const TYPES: Record<string, string> = {
  signup_grant: 'Welcome credits',
  promo_grant: 'Promotional credits',
  purchase: 'Credit pack',
  subscription_grant: 'Monthly plan credits',
  reservation: 'Held for a call',
  settlement: 'Call settled',
  charge: 'Charge',
  refund: 'Refund',
  expiry: 'Expired credits',
  adjustment: 'Adjustment'
};

export function ledgerLabel(type: string): string {
  return TYPES[type] ?? type;
}

const SUBSCRIPTION: Record<string, string> = {
  active: 'Active',
  trialing: 'Trial',
  past_due: 'Payment overdue: update your card to keep your monthly credits.',
  unpaid: 'Unpaid: monthly credits are paused until the invoice is paid.',
  canceled: 'Cancelled',
  incomplete: 'Waiting for the first payment',
  incomplete_expired: 'The first payment did not complete',
  paused: 'Paused'
};

export function subscriptionSentence(status: string | null | undefined): string {
  if (!status) return 'No plan';
  return SUBSCRIPTION[status] ?? status;
}

/** The message for ?checkout=success|cancelled when Stripe sends the person back. */
export function checkoutReturnMessage(param: string | null): { tone: 'success' | 'warn'; text: string } | null {
  if (param === 'success') return { tone: 'success', text: 'Payment received. Your credits appear here as soon as the payment is confirmed, usually within a few seconds.' };
  if (param === 'card_saved') return { tone: 'success', text: 'Card saved. It appears here as soon as the payment provider confirms it, usually within a few seconds. Nothing was charged.' };
  if (param === 'cancelled') return { tone: 'warn', text: 'Checkout was cancelled. Nothing was charged.' };
  return null;
}

/** Where an account stands with the one-time starting credits. */
export interface StartingCredits {
  granted: boolean;
  emailConfirmed: boolean;
  phoneVerified: boolean;
}

/**
 * One sentence, shown with the balance, on why a new account has no starting credits yet and what unlocks them;
 * null once they were granted. `phone` says whether the sentence asks for a phone number (the page links to it).
 */
export function startingCreditsSentence(s: StartingCredits): { text: string; phone: boolean } | null {
  if (s.granted) return null;
  const amount = `${STARTING_CREDITS.toLocaleString('en-US')} free starting credits`;
  if (!s.emailConfirmed && !s.phoneVerified) {
    return { text: `Confirm your e-mail address and verify your phone number to unlock ${amount}.`, phone: true };
  }
  if (!s.emailConfirmed) return { text: `Confirm your e-mail address with the link we sent you to unlock ${amount}.`, phone: false };
  if (!s.phoneVerified) return { text: `Verify your phone number to unlock ${amount}.`, phone: true };
  return {
    text: 'Your phone number already earned the starting credits on another account (they come once per number), so buy a credit pack to call.',
    phone: false
  };
}

/** A saved card as the page names it: "Visa ending 4242, expires 12/2030". */
export function cardLabel(card: { brand: string; last4: string; exp_month: number; exp_year: number }): string {
  const brand = BRANDS[card.brand] ?? card.brand.charAt(0).toUpperCase() + card.brand.slice(1);
  return `${brand} ending ${card.last4}, expires ${String(card.exp_month).padStart(2, '0')}/${card.exp_year}`;
}

const BRANDS: Record<string, string> = { visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover', unknown: 'Card' };

const PURPOSES: Record<string, string> = { call: 'Call', credit_pack: 'Credit pack', subscription: 'Monthly plan', other: 'Card payment' };
const CHARGE_STATUSES: Record<string, string> = {
  held: 'Held', paid: 'Paid', partially_refunded: 'Partly refunded', refunded: 'Refunded', released: 'Released, not charged'
};

export function chargePurpose(purpose: string): string {
  return PURPOSES[purpose] ?? purpose;
}

export function chargeStatus(status: string | null): string {
  return status ? CHARGE_STATUSES[status] ?? status : 'Pending';
}

/** What a card charge took: what was captured, or the held amount while it is only held or was released. */
export function chargedCents(c: { status: string | null; amount_cents: number; captured_cents: number }): number {
  return c.status === 'held' || c.status === 'released' ? c.amount_cents : c.captured_cents;
}
