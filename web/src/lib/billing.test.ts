import { describe, expect, it } from 'vitest';
import { bonusPercent, checkoutReturnMessage, CREDIT_PACKS, ledgerLabel, PLANS, startingCreditsSentence, subscriptionSentence } from './billing.ts';

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

  it('says what unlocks the starting credits until they are granted', () => {
    const s = (granted: boolean, emailConfirmed: boolean, phoneVerified: boolean) => startingCreditsSentence({ granted, emailConfirmed, phoneVerified });
    expect(s(true, true, true)).toBeNull();
    expect(s(false, false, false)).toEqual({ text: 'Confirm your e-mail address and verify your phone number to unlock 500 free starting credits.', phone: true });
    expect(s(false, false, true)).toEqual({ text: 'Confirm your e-mail address with the link we sent you to unlock 500 free starting credits.', phone: false });
    expect(s(false, true, false)).toEqual({ text: 'Verify your phone number to unlock 500 free starting credits.', phone: true });
    expect(s(false, true, true)?.text).toMatch(/already earned the starting credits on another account/);
  });
});
