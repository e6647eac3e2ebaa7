import { describe, expect, it } from 'vitest';
import { AuthError, errorResponse, errors, OAuthError, wantsVersionedErrors } from './errors.ts';

describe('Auth error bodies', () => {
  it('uses {code, message} and echoes the version header for 2024-01-01 clients', () => {
    const out = errorResponse(new AuthError(400, 'invalid_credentials', 'Invalid login credentials'), '2024-01-01');
    expect(out.status).toBe(400);
    expect(out.body).toEqual({ code: 'invalid_credentials', message: 'Invalid login credentials' });
    expect(out.headers).toEqual({ 'X-Supabase-Api-Version': '2024-01-01', 'x-sb-error-code': 'invalid_credentials' });
  });

  it('uses the legacy {code: status, error_code, msg} body without the header', () => {
    const out = errorResponse(errors.notAdmin(), undefined);
    expect(out.status).toBe(403);
    expect(out.body).toEqual({ code: 403, error_code: 'not_admin', msg: 'User not allowed' });
    expect(out.headers).toEqual({ 'x-sb-error-code': 'not_admin' });
  });

  it('keeps weak_password reasons in both formats', () => {
    const weak = errors.weakPassword(6);
    expect(errorResponse(weak, '2024-01-01').body).toMatchObject({ code: 'weak_password', weak_password: { reasons: ['length'] } });
    expect(errorResponse(weak, undefined).body).toMatchObject({ code: 422, error_code: 'weak_password', weak_password: { reasons: ['length'] } });
  });

  it('answers OAuth errors as {error, error_description} with status 400', () => {
    const out = errorResponse(new OAuthError('invalid_request', 'refresh_token required'), undefined);
    expect(out.status).toBe(400);
    expect(out.body).toEqual({ error: 'invalid_request', error_description: 'refresh_token required' });
  });

  it('treats only well-formed dates on or after 2024-01-01 as the new API version', () => {
    expect(wantsVersionedErrors('2024-01-01')).toBe(true);
    expect(wantsVersionedErrors('2025-06-30')).toBe(true);
    expect(wantsVersionedErrors('2023-12-31')).toBe(false);
    expect(wantsVersionedErrors('latest')).toBe(false);
    expect(wantsVersionedErrors(undefined)).toBe(false);
  });
});
