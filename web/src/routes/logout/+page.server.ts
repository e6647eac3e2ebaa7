import { redirect } from '@sveltejs/kit';
import type { Actions } from './$types';

export const actions: Actions = {
  // "everywhere" ends every session of the account (other phones and browsers too).
  default: async ({ request, locals }) => {
    const form = await request.formData();
    const scope = form.get('scope') === 'global' ? 'global' : 'local';
    await locals.supabase.auth.signOut({ scope });
    redirect(303, '/');
  }
};
