import { describe, expect, it } from 'vitest';
import type { SupabaseClient } from '@supabase/supabase-js';
import { SignInGuard } from './sign_in.ts';

// Auth as the guard sees it: every password is wrong.
const auth = { auth: { signInWithPassword: () => Promise.resolve({ error: { code: 'invalid_credentials', status: 400, message: 'Invalid login credentials' } }) } } as unknown as SupabaseClient;

describe('SignInGuard', () => {
  it('refuses an address that used up its failures, saying when it may try again', async () => {
    const guard = new SignInGuard(2);
    for (let i = 0; i < 2; i++) expect((await guard.signIn(auth, '198.51.100.1', 'a@example.test', 'x')).ok).toBe(false);
    const refused = await guard.signIn(auth, '198.51.100.1', 'a@example.test', 'x');
    expect(refused).toMatchObject({ ok: false, status: 429, code: 'over_request_rate_limit' });
    if (refused.ok) return;
    expect(refused.message).toMatch(/^Too many failed sign-ins from your network\. Try again at \d\d:\d\d UTC \(in 1[45] minutes\)\.$/);
    expect(refused.retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    // Another address is not held back.
    expect(await guard.signIn(auth, '198.51.100.2', 'a@example.test', 'x')).toMatchObject({ status: 400, code: 'invalid_credentials' });
  });
});
