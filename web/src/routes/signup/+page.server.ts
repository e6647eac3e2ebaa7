import { fail, redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { authErrorMessage } from '$lib/auth_errors';

export const actions: Actions = {
  default: async ({ request, locals, url }) => {
    const form = await request.formData();
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const name = String(form.get('name') ?? '').trim().slice(0, 80);
    if (!email || !password) return fail(400, { email, code: 'validation_failed', message: authErrorMessage('validation_failed') });
    const { data, error } = await locals.supabase.auth.signUp({
      email,
      password,
      options: { data: { name }, emailRedirectTo: `${url.origin}/auth/confirm` }
    });
    if (error) return fail(error.status ?? 400, { email, code: error.code, message: authErrorMessage(error.code, error.message) });
    // Projects that confirm e-mail (every hosted project by default) answer without a session: the mail's link
    // signs the person in and continues to phone verification.
    if (!data.session) return { email, confirmationSent: true };
    redirect(303, '/onboarding');
  }
};
