// The login form's sign-in against devstack's Auth: every sign-in reaches Auth from the web server, so the web server
// itself counts failed attempts per visitor address, across all e-mails.
import { createClient } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { SignInGuard } from '../../../web/src/lib/sign_in.ts';
import { stack, uniqueEmail } from '../testing/stack_env.ts';

const server = () => createClient(stack.apiUrl, stack.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
const address = () => `198.51.100.${1 + Math.floor(Math.random() * 250)}`;

describe('login form sign-ins per visitor address', () => {
  it('refuses an address that tried one password on many accounts, even for a right password; others sign in', async () => {
    const email = uniqueEmail('web-signin');
    expect((await server().auth.signUp({ email, password: 'web-signin-password' })).error).toBeNull();
    const guard = new SignInGuard(3);
    const sprayer = address();
    for (let i = 0; i < 3; i++) {
      const r = await guard.signIn(server(), sprayer, uniqueEmail(`spray${i}`), 'Summer2026!');
      expect(r).toMatchObject({ ok: false, code: 'invalid_credentials' });
    }
    expect(await guard.signIn(server(), sprayer, email, 'web-signin-password')).toMatchObject({ ok: false, status: 429, code: 'over_request_rate_limit' });
    expect(await guard.signIn(server(), address().replace(/\d+$/, '251'), email, 'web-signin-password')).toEqual({ ok: true });
  });

  it('a person who mistypes their password a few times is not held back', async () => {
    const email = uniqueEmail('web-typo');
    expect((await server().auth.signUp({ email, password: 'web-typo-password' })).error).toBeNull();
    const guard = new SignInGuard(3);
    const me = address();
    for (const password of ['web-typo-passwor', 'web-typo-pasword']) expect((await guard.signIn(server(), me, email, password)).ok).toBe(false);
    expect(await guard.signIn(server(), me, email, 'web-typo-password')).toEqual({ ok: true });
  });
});
