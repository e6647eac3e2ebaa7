import { describe, expect, it } from 'vitest';
import { rfc3339, unixSeconds } from './timestamps.ts';

describe('database timestamps as RFC 3339', () => {
  it('keeps microseconds and drops trailing zeros', () => {
    expect(rfc3339('2026-01-02 03:04:05.123450+00')).toBe('2026-01-02T03:04:05.12345Z');
    expect(rfc3339('2026-01-02 03:04:05+00')).toBe('2026-01-02T03:04:05Z');
  });

  it('converts other offsets to UTC', () => {
    expect(rfc3339('2026-01-02 01:30:00.5+05:30')).toBe('2026-01-01T20:00:00.5Z');
    expect(rfc3339('2025-12-31 23:00:00-02')).toBe('2026-01-01T01:00:00Z');
  });

  it('passes null through and rejects garbage', () => {
    expect(rfc3339(null)).toBeUndefined();
    expect(() => rfc3339('yesterday')).toThrow(/Unrecognised timestamp/);
  });

  it('gives unix seconds', () => {
    expect(unixSeconds('1970-01-01 00:01:40.9+00')).toBe(100);
  });
});
