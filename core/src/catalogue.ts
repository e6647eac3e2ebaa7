// What users can buy: one list for the checkout function (which charges these prices) and the billing page (which
// shows them). Prices are in US cents; 1 credit = 1 cent, larger packs carry a bonus. The webhook grants the pack
// whose price was paid, from the same list in the database (private.credit_packs, compared by a test), never the
// credits named in the Checkout Session's metadata; no two packs may share a price. Likewise a renewal grants the plan
// whose price the invoice paid (private.subscription_plans, compared by the same test); no two plans share a price.

export interface CreditPack {
  id: string;
  name: string;
  credits: number;
  priceCents: number;
}

export interface Plan {
  id: string;
  name: string;
  monthlyCredits: number;
  priceCents: number;
}

/**
 * Credits an account gets once, when it has a confirmed e-mail and a verified phone number that never earned them
 * before (granted by the database: private.starting_credits() is the same number).
 */
export const STARTING_CREDITS = 500;

export const CREDIT_PACKS: readonly CreditPack[] = [
  { id: 'credits_500', name: '500 credits', credits: 500, priceCents: 500 },
  { id: 'credits_1000', name: '1,000 credits', credits: 1000, priceCents: 1000 },
  { id: 'credits_2500', name: '2,500 credits', credits: 2500, priceCents: 2500 },
  { id: 'credits_5500', name: '5,500 credits', credits: 5500, priceCents: 5000 }
];

export const PLANS: readonly Plan[] = [
  { id: 'plus', name: 'Plus', monthlyCredits: 2000, priceCents: 1500 },
  { id: 'pro', name: 'Pro', monthlyCredits: 6000, priceCents: 4000 }
];

export function findPack(id: string): CreditPack | undefined {
  return CREDIT_PACKS.find((p) => p.id === id);
}

export function findPlan(id: string): Plan | undefined {
  return PLANS.find((p) => p.id === id);
}

/** Credits a pack gives, or a plan gives each month. */
export function creditsOf(item: CreditPack | Plan): number {
  return 'credits' in item ? item.credits : item.monthlyCredits;
}

/** Extra credits over the price, as a whole percent (0 when none). */
export function bonusPercent(item: CreditPack | Plan): number {
  const credits = creditsOf(item);
  return credits > item.priceCents ? Math.round(((credits - item.priceCents) / item.priceCents) * 100) : 0;
}

/** How an item is named on the checkout page: with its bonus, when it has one. */
export function checkoutName(item: CreditPack | Plan): string {
  const bonus = bonusPercent(item);
  return 'credits' in item && bonus > 0 ? `${item.name} (${bonus}% bonus)` : item.name;
}
