import type { LayoutServerLoad } from './$types';
import { publicConfig } from '$lib/public_config';

export const load: LayoutServerLoad = async ({ locals, cookies }) => {
  const { session, user } = await locals.safeGetSession();
  return { session, user, demoMode: publicConfig().demoMode, cookies: cookies.getAll() };
};
