// Password spraying: one client trying one password on many accounts is held back by the per-address sign-in limit,
// not only one trying many passwords on one account. Each test connects from its own loopback address.
import { createClient } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { loadAuthConfig } from './auth_config.ts';
import { fetchFrom, randomLoopbackAddress } from '../testing/fetch_from.ts';
import { stack, uniqueEmail } from '../testing/stack_env.ts';

// The limit the running stack's Auth was given, read the same way.
const { signInAddressLimit } = loadAuthConfig(process.env);

const clientAt = (address: string) =>
  createClient(stack.apiUrl, stack.anonKey, { auth: { persistSession: false, autoRefreshToken: false }, global: { fetch: fetchFrom(address) } });

describe('password sign-ins per address', () => {
  it('a client trying many e-mails from one address is refused once it reaches the limit; other addresses are not', async () => {
    const sprayer = clientAt(randomLoopbackAddress());
    const codes: (string | undefined)[] = [];
    for (let i = 0; i <= signInAddressLimit; i++) {
      const { error } = await sprayer.auth.signInWithPassword({ email: uniqueEmail(`spray${i}`), password: 'Summer2026!' });
      codes.push(error?.code);
    }
    expect(codes.slice(0, signInAddressLimit).every((c) => c === 'invalid_credentials')).toBe(true);
    expect(codes.at(-1)).toBe('over_request_rate_limit');

    // Someone else, elsewhere, signs in as usual.
    const email = uniqueEmail('elsewhere');
    const other = clientAt(randomLoopbackAddress());
    expect((await other.auth.signUp({ email, password: 'elsewhere-password' })).error).toBeNull();
    expect((await other.auth.signInWithPassword({ email, password: 'elsewhere-password' })).error).toBeNull();
  });
});
