import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { authErrorMessage } from '$lib/auth_errors';

export const load: PageServerLoad = async ({ locals }) => {
  const { user } = await locals.safeGetSession();
  if (!user) redirect(303, '/login?next=/account/password');
  return { email: user.email ?? '' };
};

export const actions: Actions = {
  default: async ({ request, locals }) => {
    const password = String((await request.formData()).get('password') ?? '');
    if (password.length < 6) return fail(400, { message: authErrorMessage('weak_password') });
    const { error } = await locals.supabase.auth.updateUser({ password });
    if (error) return fail(error.status ?? 400, { message: authErrorMessage(error.code, error.message) });
    return { saved: true };
  }
};
