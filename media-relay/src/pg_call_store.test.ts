// What a call may cost: the smallest of the per-call cap, the month's remainder and what was put aside for it.
import { describe, expect, it } from 'vitest';
import { callBudgetCents } from './pg_call_store.ts';

const ROW = { per_call_cap_cents: 300, month_remaining_cents: 1000, auto_cutoff: true, payment_method: 'credits', payment_status: 'reserved', reserved_credits: 200, estimated_cost_cents: 200 };

describe('call budget', () => {
  it('is the smallest of per-call cap, month remainder and reservation', () => {
    expect(callBudgetCents(ROW)).toBe(200);
    expect(callBudgetCents({ ...ROW, month_remaining_cents: 120 })).toBe(120);
    expect(callBudgetCents({ ...ROW, per_call_cap_cents: 90 })).toBe(90);
    expect(callBudgetCents({ ...ROW, month_remaining_cents: -40 })).toBe(0);
  });

  it('ignores the month without the cut-off, and for demo calls, but always keeps the per-call cap', () => {
    expect(callBudgetCents({ ...ROW, auto_cutoff: false, month_remaining_cents: 10 })).toBe(200);
    expect(callBudgetCents({ ...ROW, payment_method: 'demo', payment_status: 'pending', month_remaining_cents: 10 })).toBe(300);
    expect(callBudgetCents({ ...ROW, auto_cutoff: false, per_call_cap_cents: 50 })).toBe(50);
  });

  it('caps a card call at the amount held on the card, and is null when nothing caps it', () => {
    expect(callBudgetCents({ ...ROW, payment_method: 'card', payment_status: 'authorized', estimated_cost_cents: 150 })).toBe(150);
    expect(callBudgetCents({ ...ROW, per_call_cap_cents: null, month_remaining_cents: null, payment_method: 'demo', payment_status: 'pending' })).toBeNull();
  });
});
