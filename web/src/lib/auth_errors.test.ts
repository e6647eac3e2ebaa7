import { describe, expect, it } from 'vitest';
import { authErrorMessage } from './auth_errors';

describe('authErrorMessage', () => {
  it('turns known codes into sentences', () => {
    expect(authErrorMessage('invalid_credentials')).toMatch(/do not match/);
    expect(authErrorMessage('weak_password')).toMatch(/longer password/);
  });
  it('falls back to the given message, then to a generic sentence', () => {
    expect(authErrorMessage('something_new', 'Server said no.')).toBe('Server said no.');
    expect(authErrorMessage(undefined)).toMatch(/Try again/);
  });
});
