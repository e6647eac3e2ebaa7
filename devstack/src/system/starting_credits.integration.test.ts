// Starting credits cannot be farmed with throwaway accounts: through the real Auth, phone-verify and calls-create
// functions, a number earns the starting credits for the first account that verifies it and never again, and a
// browser call needs a confirmed e-mail and a verified number.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { BRAD } from '../testing/demo_calls.ts';
import { freshNumber } from '../testing/fresh_number.ts';
import { stack, uniqueEmail } from '../testing/stack_env.ts';

const db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
afterAll(() => db.end());

async function signUp(tag: string): Promise<{ sb: SupabaseClient; userId: string }> {
  const sb = createClient(stack.apiUrl, stack.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
  const { data, error } = await sb.auth.signUp({ email: uniqueEmail(tag), password: `${tag}-password` });
  if (error) throw error;
  return { sb, userId: data.user!.id };
}

async function verifyNumber(sb: SupabaseClient, phone: string): Promise<void> {
  const start = await sb.functions.invoke('phone-verify-start', { body: { phone_number: phone } });
  if (start.error) throw new Error(await start.error.context?.text());
  const outbox = (await (await fetch(`${stack.twilioApiBase}/devstack/outbox?to=${encodeURIComponent(phone)}`)).json()) as { code: string }[];
  const check = await sb.functions.invoke('phone-verify-check', { body: { phone_number: phone, code: outbox.at(-1)!.code } });
  if (check.error) throw new Error(await check.error.context?.text());
}

/** The balance as the user sees it (RLS). */
async function balance(sb: SupabaseClient): Promise<number> {
  const { data, error } = await sb.from('user_credits').select('available_credits').single();
  if (error) throw error;
  return Number(data.available_credits);
}

/** Asks for a browser call estimate (dry run: nothing is stored); the error code, or 'ok'. */
async function browserCall(sb: SupabaseClient): Promise<{ code: string; message: string }> {
  const r = await sb.functions.invoke('calls-create', {
    body: { persona_id: BRAD, mode: 'browser', payment_method: 'credits', max_duration_minutes: 1, dry_run: true }
  });
  if (!r.error) return { code: 'ok', message: '' };
  const body = (await r.error.context.json()) as { error: { code: string; message: string } };
  return body.error;
}

const uniqueNumber = () => freshNumber(db);

describe('starting credits', () => {
  it('a number earns them for the first account that verifies it, and a second account gets none', { timeout: 60_000 }, async () => {
    const phone = await uniqueNumber();
    const first = await signUp('first-grant');
    expect(await balance(first.sb)).toBe(0);

    await verifyNumber(first.sb, phone);
    expect(await balance(first.sb)).toBe(500);
    const ledger = (await db.query('select type, amount, idempotency_key from public.credit_transactions where user_id = $1', [first.userId])).rows;
    expect(ledger).toEqual([{ type: 'signup_grant', amount: '500', idempotency_key: `signup_grant:${phone}` }]);

    const second = await signUp('second-grant');
    await verifyNumber(second.sb, phone);
    expect(await balance(second.sb)).toBe(0);
    expect((await db.query('select 1 from public.credit_transactions where user_id = $1', [second.userId])).rowCount).toBe(0);

    const violations = await db.query('select * from private.ledger_violations($1) union all select * from private.ledger_violations($2)', [first.userId, second.userId]);
    expect(violations.rows).toEqual([]);
  });

  it('they wait for the e-mail confirmation when the number comes first', { timeout: 60_000 }, async () => {
    const u = await signUp('confirm-later');
    // As in the hosted profile, where Auth confirms the address from the mail's link.
    await db.query('update auth.users set email_confirmed_at = null where id = $1', [u.userId]);
    await verifyNumber(u.sb, await uniqueNumber());
    expect(await balance(u.sb)).toBe(0);

    const admin = await fetch(`${stack.apiUrl}/auth/v1/admin/users/${u.userId}`, {
      method: 'PUT',
      headers: { apikey: stack.secretKey, authorization: `Bearer ${stack.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email_confirm: true })
    });
    expect(admin.status).toBe(200);
    expect(await balance(u.sb)).toBe(500);
  });
});

describe('browser calls', () => {
  it('are refused until the account has a confirmed e-mail and a verified number', { timeout: 60_000 }, async () => {
    const u = await signUp('browser-unverified');
    const refused = await browserCall(u.sb);
    expect(refused.code).toBe('verification_required');
    expect(refused.message).toMatch(/verify a phone number/i);

    await db.query('update auth.users set email_confirmed_at = null where id = $1', [u.userId]);
    await verifyNumber(u.sb, await uniqueNumber());
    const unconfirmed = await browserCall(u.sb);
    expect(unconfirmed.code).toBe('verification_required');
    expect(unconfirmed.message).toMatch(/confirm your e-mail/i);

    await db.query('update auth.users set email_confirmed_at = now() where id = $1', [u.userId]);
    expect(await browserCall(u.sb)).toEqual({ code: 'ok', message: '' });
  });
});
