// What system tests need to place real demo calls through the whole stack: a signed-up user with a verified number
// (Auth, the phone-verify functions and the Twilio stand-in's outbox), a call placed through calls-create, and the
// moment the call's money is settled.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import { freshNumber } from './fresh_number.ts';
import { stack, uniqueEmail } from './stack_env.ts';

export const BRAD = 'a0000000-0000-4000-8000-000000000001';

export interface DemoUser {
  sb: SupabaseClient;
  userId: string;
  phoneId: string;
  phone: string;
}

/** A signed-up user who verified a fresh number, so (e-mail confirmed in the default profile) has the starting credits. */
export async function signedInUserWithNumber(tag: string): Promise<DemoUser> {
  const sb = createClient(stack.apiUrl, stack.anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
  const { data, error } = await sb.auth.signUp({ email: uniqueEmail(tag), password: `${tag}-password` });
  if (error) throw error;
  const phone = await withStackDb((db) => freshNumber(db));
  const start = await sb.functions.invoke('phone-verify-start', { body: { phone_number: phone } });
  if (start.error) throw new Error(await start.error.context?.text());
  const outbox = (await (await fetch(`${stack.twilioApiBase}/devstack/outbox?to=${encodeURIComponent(phone)}`)).json()) as { code: string }[];
  const check = await sb.functions.invoke('phone-verify-check', { body: { phone_number: phone, code: outbox.at(-1)!.code } });
  if (check.error) throw new Error(await check.error.context?.text());
  return { sb, userId: data.user!.id, phoneId: check.data.phone_number_id, phone };
}

async function withStackDb<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: stack.dbUrl });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** Asks Brad to call the user now, paid with credits; the call id and what was reserved for it. */
export async function placeCall(u: DemoUser): Promise<{ callId: string; reserved: number }> {
  const created = await u.sb.functions.invoke('calls-create', {
    body: { persona_id: BRAD, mode: 'phone', phone_number_id: u.phoneId, payment_method: 'credits', max_duration_minutes: 2 }
  });
  if (created.error) throw new Error(`calls-create: ${await created.error.context?.text()}`);
  return { callId: created.data.call_id as string, reserved: created.data.reserved_credits as number };
}

/** The call's row once its payment is settled or released (the database is the event source here). */
export async function waitForPayment(db: pg.Pool, callId: string, timeoutMs = 120_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = (await db.query('select * from public.calls where id = $1', [callId])).rows[0];
    if (row && ['settled', 'released'].includes(row.payment_status)) return row;
    if (Date.now() > deadline) throw new Error(`call ${callId} not settled: ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
