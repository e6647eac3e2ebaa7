import { describe, expect, it } from 'vitest';
import { creditsAndDollars, formatCredits, formatProviderUsd, formatUsd, formatUsdExact, parseDollarsToCents, percentOf, toUsd } from './money.ts';

describe('money formatting', () => {
  it('shows cents as dollars and credits in both units', () => {
    expect(formatUsd(1234)).toBe('$12.34');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatCredits(1)).toBe('1 credit');
    expect(formatCredits(1234)).toBe('1,234 credits');
    expect(creditsAndDollars(250)).toBe('250 credits ($2.50)');
  });

  it('keeps sub-cent provider costs readable', () => {
    expect(formatProviderUsd('0.0042')).toBe('$0.0042');
    expect(formatProviderUsd(0.127)).toBe('$0.127');
    expect(formatProviderUsd('3.456')).toBe('$3.46');
    expect(formatProviderUsd(null)).toBe('$0.00');
    expect(toUsd('abc')).toBe(0);
  });

  it('keeps every digit of a breakdown amount, with at least four decimals', () => {
    expect(formatUsdExact(0.0364)).toBe('$0.0364');
    expect(formatUsdExact('0.030049382570000000000000000000')).toBe('$0.03004938257');
    expect(formatUsdExact(0.0000001)).toBe('$0.0000001');
    expect(formatUsdExact('1.5')).toBe('$1.5000');
    expect(formatUsdExact(null)).toBe('$0.0000');
  });

  it('clamps percentages and refuses a zero whole', () => {
    expect(percentOf(50, 200)).toBe(25);
    expect(percentOf(300, 200)).toBe(100);
    expect(percentOf(5, 0)).toBe(0);
  });

  it('reads dollar amounts typed by people', () => {
    expect(parseDollarsToCents('12.5')).toBe(1250);
    expect(parseDollarsToCents('$1,000')).toBe(100000);
    expect(parseDollarsToCents('0')).toBeNull();
    expect(parseDollarsToCents('1.234')).toBeNull();
    expect(parseDollarsToCents('-3')).toBeNull();
  });
});
