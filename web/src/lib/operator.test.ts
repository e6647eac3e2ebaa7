import { describe, expect, it } from 'vitest';
import { isOperator, tokenCarriesOperator } from './operator';
import { when } from './operator_format';

const token = (claims: object) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;

describe('isOperator', () => {
  it('reads the role from app_metadata only', () => {
    expect(isOperator({ app_metadata: { provider: 'email', role: 'operator' } })).toBe(true);
    expect(isOperator({ app_metadata: { provider: 'email' } })).toBe(false);
    expect(isOperator({ app_metadata: {}, user_metadata: { role: 'operator' } } as never)).toBe(false);
    expect(isOperator(null)).toBe(false);
  });
});

describe('tokenCarriesOperator', () => {
  it('finds the role in the token app_metadata, not in user_metadata', () => {
    expect(tokenCarriesOperator(token({ app_metadata: { role: 'operator' } }))).toBe(true);
    expect(tokenCarriesOperator(token({ user_metadata: { role: 'operator' } }))).toBe(false);
    expect(tokenCarriesOperator('not-a-token')).toBe(false);
    expect(tokenCarriesOperator(undefined)).toBe(false);
  });
});

describe('when', () => {
  it('reads a timestamp as UTC to the minute, and nothing as a dash', () => {
    expect(when('2026-12-05T15:08:42.123+00:00')).toBe('2026-12-05 15:08 UTC');
    expect(when('2026-12-05T16:08:42+01:00')).toBe('2026-12-05 15:08 UTC');
    expect(when(null)).toBe('—');
  });
});
