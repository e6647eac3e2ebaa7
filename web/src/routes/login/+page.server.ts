import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { env as privateEnv } from '$env/dynamic/private';
import { signInFailuresPerAddress } from '$lib/public_settings';
import { SignInGuard } from '$lib/sign_in';
import { safeNext } from '$lib/safe_next';

const NOTICES: Record<string, string> = {
  link_invalid: 'That link has expired or was already used. Sign in, or ask for a new link.',
  password_mail_sent: 'If an account uses that address, a link to choose a new password is on its way.'
};

export const load: PageServerLoad = async ({ locals, url }) => {
  const { user } = await locals.safeGetSession();
  if (user) redirect(303, safeNext(url.searchParams.get('next'), '/dashboard'));
  return { notice: NOTICES[url.searchParams.get('notice') ?? ''] ?? null };
};

let guard: SignInGuard | null = null;

export const actions: Actions = {
  default: async ({ request, locals, url, getClientAddress, setHeaders }) => {
    const form = await request.formData();
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    guard ??= new SignInGuard(signInFailuresPerAddress(privateEnv));
    const outcome = await guard.signIn(locals.supabase, getClientAddress(), email, password);
    if (!outcome.ok) {
      if (outcome.retryAfterSeconds) setHeaders({ 'retry-after': String(outcome.retryAfterSeconds) });
      return fail(outcome.status, { email, code: outcome.code, message: outcome.message });
    }
    redirect(303, safeNext(url.searchParams.get('next'), '/dashboard'));
  }
};
