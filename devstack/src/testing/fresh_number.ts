// A phone number for a test account that behaves like a new person's: it never earned the starting credits (a
// number earns them once, ever, so a random pick on a long-lived database would sooner or later land on a used
// one), no account has it, and no code was sent to it in the last hour (so no send limit bites). No imports: the
// Node tests, the Deno function tests and the Playwright specs all use it with their own database client.

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** $1 is the prefix, e.g. '+1415555': the number is the prefix and four random digits. */
const FRESH_NUMBER_SQL = `
  select c.n from (select $1::text || lpad(floor(random() * 10000)::int::text, 4, '0') as n from generate_series(1, 40)) c
   where not exists (select 1 from private.signup_grant_numbers g where g.number_hash = private.phone_number_hash(c.n))
     and not exists (select 1 from public.user_phone_numbers p where p.phone_number = c.n)
     and not exists (select 1 from public.phone_verifications v where v.phone_number = c.n and v.created_at > now() - interval '1 hour')
   limit 1`;

export async function freshNumber(db: Queryable, prefix = '+1415555'): Promise<string> {
  const r = await db.query(FRESH_NUMBER_SQL, [prefix]);
  const n = r.rows[0]?.n;
  if (typeof n !== 'string') throw new Error(`No fresh test number left under ${prefix}: reset the stack (npm run stack:reset)`);
  return n;
}

/**
 * Adds a fresh verified number to an account, as phone-verify-check does after the right code. With a confirmed
 * e-mail the account thereby earns the starting credits, like a person finishing onboarding.
 */
export async function addVerifiedNumber(db: Queryable, userId: string, prefix?: string): Promise<{ id: string; phone: string }> {
  const phone = await freshNumber(db, prefix);
  const r = await db.query(
    `insert into public.user_phone_numbers (user_id, phone_number, country_code) values ($1, $2, 'US') returning id`, [userId, phone]);
  return { id: String(r.rows[0]!.id), phone };
}
