import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';

// Signing out changes state, so it is a POST (the header's button). A GET (a typed or bookmarked /logout) asks
// first; someone already signed out is sent to the sign-in page.
export const load: PageServerLoad = async ({ locals }) => {
  const { user } = await locals.safeGetSession();
  if (!user) redirect(303, '/login');
  return { email: user.email ?? null };
};

export const actions: Actions = {
  // "everywhere" ends every session of the account (other phones and browsers too).
  default: async ({ request, locals }) => {
    const form = await request.formData();
    const scope = form.get('scope') === 'global' ? 'global' : 'local';
    await locals.supabase.auth.signOut({ scope });
    redirect(303, '/');
  }
};
