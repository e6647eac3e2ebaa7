import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { authErrorMessage } from '$lib/auth_errors';
import { safeNext } from '$lib/safe_next';

const NOTICES: Record<string, string> = {
  link_invalid: 'That link has expired or was already used. Sign in, or ask for a new link.',
  password_mail_sent: 'If an account uses that address, a link to choose a new password is on its way.'
};

export const load: PageServerLoad = async ({ locals, url }) => {
  const { user } = await locals.safeGetSession();
  if (user) redirect(303, safeNext(url.searchParams.get('next')));
  return { notice: NOTICES[url.searchParams.get('notice') ?? ''] ?? null };
};

export const actions: Actions = {
  default: async ({ request, locals, url }) => {
    const form = await request.formData();
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    if (!email || !password) return fail(400, { email, code: 'validation_failed', message: authErrorMessage('validation_failed') });
    const { error } = await locals.supabase.auth.signInWithPassword({ email, password });
    if (error) return fail(error.status ?? 400, { email, code: error.code, message: authErrorMessage(error.code, error.message) });
    redirect(303, safeNext(url.searchParams.get('next')));
  }
};
