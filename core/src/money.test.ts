import { describe, expect, it } from 'vitest';
import {
  PICO_PER_CENT,
  PICO_PER_USD,
  applyMarkup,
  assertValidMarkup,
  ceilDiv,
  centsToUsd,
  chargeCents,
  formatCents,
  priceQuantity,
  sumUsd,
  usdFromDecimal,
  usdToCentsUp,
  usdToDecimal,
} from './money.ts';

describe('usdFromDecimal / usdToDecimal', () => {
  it('parses decimal strings exactly', () => {
    expect(usdFromDecimal('1')).toBe(PICO_PER_USD);
    expect(usdFromDecimal('0.0135')).toBe(13_500_000_000n);
    expect(usdFromDecimal('0.000000000001')).toBe(1n);
    expect(usdFromDecimal('.5')).toBe(500_000_000_000n);
    expect(usdFromDecimal('  2.50 ')).toBe(2_500_000_000_000n);
    expect(usdFromDecimal('-0.25')).toBe(-250_000_000_000n);
  });

  it('accepts JSON numbers, including exponent notation', () => {
    expect(usdFromDecimal(0.1)).toBe(100_000_000_000n); // no 0.1 float drift: parsed from "0.1"
    expect(usdFromDecimal(1e-7)).toBe(100_000n); // String(1e-7) === "1e-7"
    expect(usdFromDecimal('1.5e2')).toBe(150n * PICO_PER_USD);
  });

  it('rounds digits beyond a picodollar up', () => {
    expect(usdFromDecimal('0.0000000000001')).toBe(1n);
    expect(usdFromDecimal('0.3333333333333333')).toBe(333_333_333_334n);
  });

  it('rejects malformed amounts with a clear message', () => {
    for (const bad of ['', 'abc', '1,5', '$1', '1.2.3', '.', '1e', '--1']) {
      expect(() => usdFromDecimal(bad)).toThrow(/decimal number/);
    }
    expect(() => usdFromDecimal(Number.NaN)).toThrow(/finite/);
    expect(() => usdFromDecimal(Number.POSITIVE_INFINITY)).toThrow(/finite/);
  });

  it('prints exact decimals without trailing zeros', () => {
    expect(usdToDecimal(0n)).toBe('0');
    expect(usdToDecimal(1_500_000_000_000n)).toBe('1.5');
    expect(usdToDecimal(1n)).toBe('0.000000000001');
    expect(usdToDecimal(-250_000_000_000n)).toBe('-0.25');
    expect(usdToDecimal(123n * PICO_PER_USD + 4_560_000_000n)).toBe('123.00456');
  });

  it('round-trips', () => {
    for (const s of ['0', '0.2148338', '12.000000000001', '99999999.99']) {
      expect(usdToDecimal(usdFromDecimal(s))).toBe(s);
    }
  });
});

describe('cents', () => {
  it('rounds any fraction of a cent up', () => {
    expect(usdToCentsUp(0n)).toBe(0);
    expect(usdToCentsUp(1n)).toBe(1);
    expect(usdToCentsUp(PICO_PER_CENT)).toBe(1);
    expect(usdToCentsUp(PICO_PER_CENT + 1n)).toBe(2);
    expect(usdToCentsUp(usdFromDecimal('0.0101'))).toBe(2);
    expect(usdToCentsUp(usdFromDecimal('-0.015'))).toBe(-1); // ceil(-1.5) = -1, a refund never grows
  });

  it('converts whole cents to dollars and refuses fractions', () => {
    expect(centsToUsd(250)).toBe(usdFromDecimal('2.5'));
    expect(() => centsToUsd(1.5)).toThrow(RangeError);
  });

  it('formats cents for people', () => {
    expect(formatCents(0)).toBe('$0.00');
    expect(formatCents(5)).toBe('$0.05');
    expect(formatCents(1234)).toBe('$12.34');
    expect(formatCents(123456789)).toBe('$1,234,567.89');
    expect(formatCents(-5)).toBe('-$0.05');
  });
});

describe('ceilDiv', () => {
  it('rounds towards +infinity', () => {
    expect(ceilDiv(7n, 2n)).toBe(4n);
    expect(ceilDiv(6n, 2n)).toBe(3n);
    expect(ceilDiv(-7n, 2n)).toBe(-3n);
    expect(ceilDiv(0n, 5n)).toBe(0n);
    expect(() => ceilDiv(1n, 0n)).toThrow(RangeError);
  });
});

describe('markup and charge', () => {
  it('multiplies exactly', () => {
    // $0.2148338 × 1.5 = $0.3222507
    expect(usdToDecimal(applyMarkup(usdFromDecimal('0.2148338'), '1.5'))).toBe('0.3222507');
    expect(applyMarkup(usdFromDecimal('0.1'), 1)).toBe(usdFromDecimal('0.1'));
    // 1 pUSD × 1.5 = 1.5 pUSD → rounds up to 2
    expect(applyMarkup(1n, '1.5')).toBe(2n);
  });

  it('refuses markups below 1 and garbage', () => {
    expect(() => assertValidMarkup('0.3')).toThrow(/at least 1/);
    expect(() => assertValidMarkup(0.999)).toThrow(/at least 1/);
    expect(() => assertValidMarkup('-2')).toThrow(/at least 1/);
    expect(() => assertValidMarkup('thirty')).toThrow(/decimal number/);
    expect(() => assertValidMarkup('1')).not.toThrow();
    expect(() => assertValidMarkup('1e1')).not.toThrow();
  });

  it('charges whole cents, rounded up after the markup', () => {
    // $0.2148338 × 1.5 = $0.3222507 = 32.22507 cents → 33
    expect(chargeCents(usdFromDecimal('0.2148338'), '1.5')).toBe(33);
    // $0.10 × 1.3 = 13 cents exactly: no spurious extra cent from float 0.1 × 1.3 = 0.13000000000000003
    expect(chargeCents(usdFromDecimal('0.10'), '1.3')).toBe(13);
    expect(chargeCents(0n, '2')).toBe(0);
  });
});

describe('priceQuantity and sumUsd', () => {
  it('prices a quantity at a rate per block', () => {
    // 27,000 tokens at $0.10 per 1M tokens = $0.0027
    expect(usdToDecimal(priceQuantity('0.10', 27_000n, 1_000_000n))).toBe('0.0027');
    // 1 token at $0.15 per 1M = $0.00000015
    expect(usdToDecimal(priceQuantity('0.15', 1n, 1_000_000n))).toBe('0.00000015');
  });

  it('adds amounts', () => {
    expect(sumUsd([1n, 2n, 3n])).toBe(6n);
    expect(sumUsd([])).toBe(0n);
  });
});
