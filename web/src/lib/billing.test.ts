import { describe, expect, it } from 'vitest';
import { bonusPercent, checkoutReturnMessage, CREDIT_PACKS, ledgerLabel, PLANS, subscriptionSentence } from './billing.ts';

describe('billing display', () => {
  it('computes the bonus of larger packs and none for plain ones', () => {
    expect(bonusPercent(CREDIT_PACKS.find((p) => p.id === 'credits_5500')!)).toBe(10);
    expect(bonusPercent(CREDIT_PACKS[0]!)).toBe(0);
    expect(bonusPercent(PLANS[0]!)).toBe(33);
  });

  it('labels ledger rows', () => {
    expect(ledgerLabel('reservation')).toBe('Held for a call');
    expect(ledgerLabel('mystery')).toBe('mystery');
  });

  it('explains subscription states and checkout returns', () => {
    expect(subscriptionSentence(null)).toBe('No plan');
    expect(subscriptionSentence('past_due')).toMatch(/update your card/);
    expect(checkoutReturnMessage('success')?.tone).toBe('success');
    expect(checkoutReturnMessage('cancelled')?.text).toMatch(/Nothing was charged/);
    expect(checkoutReturnMessage(null)).toBeNull();
  });
});
