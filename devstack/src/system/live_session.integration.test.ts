// After "sign out everywhere" the old access token still verifies until it expires. Through REST it may still read,
// but it can no longer book calls or raise budget caps; a session signed in afterwards can.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { BRAD } from '../testing/demo_calls.ts';
import { stack, uniqueEmail } from '../testing/stack_env.ts';

const db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
afterAll(() => db.end());

const options = { auth: { persistSession: false, autoRefreshToken: false } };
const client = () => createClient(stack.apiUrl, stack.anonKey, options);
/** REST as the holder of `token` (what a copied access token allows), without any refresh. */
const withToken = (token: string): SupabaseClient =>
  createClient(stack.apiUrl, stack.anonKey, { ...options, global: { headers: { Authorization: `Bearer ${token}` } } });

const booking = (phoneId: string) => ({
  persona_id: BRAD, phone_number_id: phoneId, scheduled_time: new Date(Date.now() + 86_400_000).toISOString(),
  timezone: 'UTC', local_time: '07:00', recurrence: 'daily'
});

describe('a signed-out session cannot spend through REST', () => {
  it('refuses the old token\'s bookings and cap raises with a clear error; a new session works', async () => {
    const email = uniqueEmail('signed-out');
    const password = 'signed-out-password';
    const first = client();
    const signUp = await first.auth.signUp({ email, password });
    expect(signUp.error).toBeNull();
    const userId = signUp.data.user!.id;
    const oldToken = signUp.data.session!.access_token;
    const phone = await db.query<{ id: string }>(
      `insert into public.user_phone_numbers (user_id, phone_number, country_code) values ($1, $2, 'US') returning id`,
      [userId, `+1415555${1000 + Math.floor(Math.random() * 8999)}`]);
    const phoneId = phone.rows[0]!.id;

    const stolen = withToken(oldToken);
    expect((await stolen.from('scheduled_calls').insert(booking(phoneId))).error).toBeNull();

    expect((await first.auth.signOut({ scope: 'global' })).error).toBeNull();

    const insert = await stolen.from('scheduled_calls').insert(booking(phoneId));
    expect(insert.status).toBe(403);
    expect(insert.error).toMatchObject({ code: '42501', message: 'Your session has ended. Sign in again to make this change.' });
    const raise = await stolen.from('user_budget_settings').update({ max_monthly_spend_cents: 500_000 }).eq('user_id', userId);
    expect(raise.error).toMatchObject({ code: '42501', message: 'Your session has ended. Sign in again to make this change.' });
    const upsert = await stolen.from('user_budget_settings').upsert({ user_id: userId, max_cost_per_call_cents: 50_000, max_monthly_spend_cents: 500_000 });
    expect(upsert.error?.code).toBe('42501');

    // Reads stay stateless: the old token still sees its own rows until it expires.
    const read = await stolen.from('scheduled_calls').select('id');
    expect(read.error).toBeNull();
    expect(read.data).toHaveLength(1);
    const caps = await db.query('select max_monthly_spend_cents from public.user_budget_settings where user_id = $1', [userId]);
    expect(caps.rows[0].max_monthly_spend_cents).not.toBe(500_000);
    expect((await db.query('select 1 from public.scheduled_calls where user_id = $1', [userId])).rowCount).toBe(1);

    const again = client();
    expect((await again.auth.signInWithPassword({ email, password })).error).toBeNull();
    expect((await again.from('scheduled_calls').insert(booking(phoneId))).error).toBeNull();
    const raised = await again.from('user_budget_settings').update({ max_monthly_spend_cents: 30_000 }).eq('user_id', userId).select('max_monthly_spend_cents');
    expect(raised.error).toBeNull();
    expect(raised.data).toEqual([{ max_monthly_spend_cents: 30_000 }]);
  });
});
