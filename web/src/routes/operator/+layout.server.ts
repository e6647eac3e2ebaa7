import { error, redirect } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';
import { isOperator, NOT_OPERATOR, tokenCarriesOperator } from '$lib/operator';

// Every operator page waits for this (await parent()), so nobody without the role reaches a query.
export const load: LayoutServerLoad = async ({ locals, url }) => {
  const { session, user } = await locals.safeGetSession();
  if (!user) redirect(303, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  if (!isOperator(user)) error(403, { message: NOT_OPERATOR });
  // A role granted after sign-in is in the account but not yet in the token the database checks: get a new one.
  if (!tokenCarriesOperator(session?.access_token)) await locals.supabase.auth.refreshSession();
  return {};
};
