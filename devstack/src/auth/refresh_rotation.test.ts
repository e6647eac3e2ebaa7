import { describe, expect, it } from 'vitest';
import { decideRefresh, newRefreshToken } from './refresh_rotation.ts';

const now = 1_000_000_000_000;

describe('refresh token rotation', () => {
  it('swaps a live token for a child', () => {
    expect(decideRefresh({ token: 'A', revoked: false, updatedAtMs: now - 60_000 }, { token: 'A', parent: null }, now, 10)).toBe('swap');
  });

  it('hands back the live child when its revoked parent is presented again', () => {
    expect(decideRefresh({ token: 'A', revoked: true, updatedAtMs: now - 1000 }, { token: 'B', parent: 'A' }, now, 10)).toBe('return_active');
  });

  it('lets an older revoked token be swapped within the reuse interval only', () => {
    const active = { token: 'C', parent: 'B' };
    expect(decideRefresh({ token: 'A', revoked: true, updatedAtMs: now - 9_000 }, active, now, 10)).toBe('swap');
    expect(decideRefresh({ token: 'A', revoked: true, updatedAtMs: now - 11_000 }, active, now, 10)).toBe('reject_and_revoke_session');
    expect(decideRefresh({ token: 'A', revoked: true, updatedAtMs: now - 11_000 }, null, now, 10)).toBe('reject_and_revoke_session');
  });

  it('makes 12-character alphanumeric tokens that differ', () => {
    const a = newRefreshToken();
    expect(a).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(newRefreshToken()).not.toBe(a);
  });
});
