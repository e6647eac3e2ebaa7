import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { authErrorMessage } from '$lib/auth_errors';

function safeNext(next: string | null): string {
  // Only same-site paths, so a crafted link cannot send people elsewhere after sign-in.
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/personas';
}

export const load: PageServerLoad = async ({ locals, url }) => {
  const { user } = await locals.safeGetSession();
  if (user) redirect(303, safeNext(url.searchParams.get('next')));
  return {};
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
