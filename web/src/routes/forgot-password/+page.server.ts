import { fail, redirect } from '@sveltejs/kit';
import type { Actions } from './$types';
import { authErrorMessage } from '$lib/auth_errors';

export const actions: Actions = {
  default: async ({ request, locals, url }) => {
    const email = String((await request.formData()).get('email') ?? '').trim();
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) return fail(400, { email, message: 'Enter the e-mail address you signed up with.' });
    const { error } = await locals.supabase.auth.resetPasswordForEmail(email, {
      redirectTo: `${url.origin}/auth/confirm?next=/account/password`
    });
    // The same answer whether or not the address has an account, so the form cannot be used to find accounts.
    if (error && error.code === 'over_email_send_rate_limit') return fail(429, { email, message: authErrorMessage('over_request_rate_limit') });
    redirect(303, '/login?notice=password_mail_sent');
  }
};
