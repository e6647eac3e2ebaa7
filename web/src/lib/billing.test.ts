import { describe, expect, it } from 'vitest';
import { bonusPercent, cardLabel, chargedCents, chargePurpose, chargeStatus, checkoutReturnMessage, CREDIT_PACKS, ledgerLabel, PLANS, startingCreditsSentence, subscriptionSentence } from './billing.ts';

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
    expect(checkoutReturnMessage('card_saved')?.text).toMatch(/^Card saved\..*Nothing was charged\.$/);
  });

  it('names saved cards and card charges as the billing page shows them', () => {
    expect(cardLabel({ brand: 'visa', last4: '4242', exp_month: 3, exp_year: 2030 })).toBe('Visa ending 4242, expires 03/2030');
    expect(cardLabel({ brand: 'jcb', last4: '0001', exp_month: 11, exp_year: 2031 })).toBe('Jcb ending 0001, expires 11/2031');
    expect([chargePurpose('call'), chargePurpose('credit_pack'), chargeStatus('partially_refunded'), chargeStatus('released')])
      .toEqual(['Call', 'Credit pack', 'Partly refunded', 'Released, not charged']);
    expect(chargedCents({ status: 'paid', amount_cents: 500, captured_cents: 180 })).toBe(180);
    expect(chargedCents({ status: 'held', amount_cents: 500, captured_cents: 0 })).toBe(500);
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
