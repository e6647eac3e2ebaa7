// What the billing page offers and how the ledger reads. The checkout function holds the prices that are charged;
// these are the same items for display, and the function refuses any id it does not know.

export interface Offer {
  id: string;
  name: string;
  credits: number;
  priceCents: number;
}

export const CREDIT_PACKS: readonly Offer[] = [
  { id: 'credits_500', name: '500 credits', credits: 500, priceCents: 500 },
  { id: 'credits_1000', name: '1,000 credits', credits: 1000, priceCents: 1000 },
  { id: 'credits_2500', name: '2,500 credits', credits: 2500, priceCents: 2500 },
  { id: 'credits_5500', name: '5,500 credits', credits: 5500, priceCents: 5000 }
];

export const PLANS: readonly Offer[] = [
  { id: 'plus', name: 'Plus', credits: 2000, priceCents: 1500 },
  { id: 'pro', name: 'Pro', credits: 6000, priceCents: 4000 }
];

/** Extra credits over the price, as a whole percent (0 when none). */
export function bonusPercent(o: Offer): number {
  return o.credits > o.priceCents ? Math.round(((o.credits - o.priceCents) / o.priceCents) * 100) : 0;
}

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
  if (param === 'cancelled') return { tone: 'warn', text: 'Checkout was cancelled. Nothing was charged.' };
  return null;
}
