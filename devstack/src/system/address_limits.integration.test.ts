// Per-address limits through the gateway, as a client on the internet meets them: the gateway appends the address the
// connection came from to X-Forwarded-For, as the platform's proxy does, and the functions believe only that entry.
// Each test connects from its own loopback address, so it has a bucket of its own on the shared database.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DEVSTACK_ADDRESS_LIMIT } from '../demo_env.ts';
import { fetchFrom, randomLoopbackAddress } from '../testing/fetch_from.ts';
import { stack, uniqueEmail } from '../testing/stack_env.ts';

const db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
afterAll(() => db.end());

// The limit the running stack's functions were given (demo_env.ts), read the same way.
const CODES_PER_ADDRESS = Number(process.env.CODES_PER_ADDRESS_PER_HOUR ?? DEVSTACK_ADDRESS_LIMIT);

async function userAt(address: string, tag: string): Promise<{ sb: SupabaseClient; userId: string }> {
  const sb = createClient(stack.apiUrl, stack.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    global: { fetch: fetchFrom(address) }
  });
  const { data, error } = await sb.auth.signUp({ email: uniqueEmail(tag), password: `${tag}-password` });
  if (error) throw error;
  return { sb, userId: data.user!.id };
}

async function askForCode(sb: SupabaseClient, headers: Record<string, string> = {}): Promise<{ status: number; code?: string; message?: string }> {
  const phone = `+1415555${1000 + Math.floor(Math.random() * 8999)}`;
  const { error } = await sb.functions.invoke('phone-verify-start', { body: { phone_number: phone }, headers });
  if (!error) return { status: 200 };
  const res = error.context as Response;
  const body = (await res.json()) as { error?: { code: string; message: string } };
  return { status: res.status, code: body.error?.code, message: body.error?.message };
}

/** The address's hour used up, as CODES_PER_ADDRESS earlier requests from it (by another account) would leave it. */
async function useUpHour(address: string, byUserId: string): Promise<void> {
  await db.query(
    `insert into public.phone_verifications (user_id, phone_number, provider_sid, expires_at, client_ip)
     select $1, '+14155550100', 'VEfill' || g, now() + interval '10 minutes', $2 from generate_series(1, $3) g`,
    [byUserId, address, CODES_PER_ADDRESS]
  );
}

const forged = () => `203.0.113.${1 + Math.floor(Math.random() * 250)}`;

describe('per-address code limits through the gateway', () => {
  it('a client whose address has used its hour is refused whatever X-Forwarded-For it sends, or without one', async () => {
    const address = randomLoopbackAddress();
    const earlier = await userAt(address, 'addr-earlier');
    const attacker = await userAt(address, 'addr-attacker');
    await useUpHour(address, earlier.userId);

    const attempts: Record<string, string>[] = [{ 'x-forwarded-for': forged() }, { 'x-forwarded-for': `${forged()}, ${forged()}` }, { 'x-real-ip': forged() }, {}];
    for (const headers of attempts) {
      const r = await askForCode(attacker.sb, headers);
      expect({ headers, status: r.status, code: r.code }).toEqual({ headers, status: 429, code: 'rate_limited' });
      expect(r.message).toMatch(/network/);
    }
    const sent = await db.query('select 1 from public.phone_verifications where user_id = $1', [attacker.userId]);
    expect(sent.rowCount).toBe(0);
  });

  it('a client cannot spend another address\'s allowance by naming it, and keeps its own', async () => {
    const victim = randomLoopbackAddress();
    const filler = await userAt(victim, 'addr-victim');
    await useUpHour(victim, filler.userId);
    const other = await userAt(randomLoopbackAddress(), 'addr-other');
    expect((await askForCode(other.sb, { 'x-forwarded-for': victim })).status).toBe(200);
    const stored = await db.query<{ client_ip: string }>('select client_ip from public.phone_verifications where user_id = $1', [other.userId]);
    expect(stored.rows.map((r) => r.client_ip)).not.toContain(victim);
  });
});
