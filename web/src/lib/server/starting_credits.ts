// Where the signed-in user stands with the starting credits, from what they may read themselves: their ledger (was
// the grant written), their verified numbers, and Auth's record of the e-mail confirmation.
import type { StartingCredits } from '$lib/billing';

export async function startingCredits(locals: App.Locals): Promise<StartingCredits> {
  const [{ user }, grant, numbers] = await Promise.all([
    locals.safeGetSession(),
    locals.supabase.from('credit_transactions').select('id', { count: 'exact', head: true }).eq('type', 'signup_grant'),
    locals.supabase.from('user_phone_numbers').select('id', { count: 'exact', head: true })
  ]);
  return {
    // When the ledger cannot be read the sentence is left out rather than shown wrongly.
    granted: grant.error ? true : (grant.count ?? 0) > 0,
    emailConfirmed: Boolean(user?.email_confirmed_at),
    phoneVerified: (numbers.count ?? 0) > 0
  };
}
