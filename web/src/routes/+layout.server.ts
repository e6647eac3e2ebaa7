import type { LayoutServerLoad } from './$types';
import { publicConfig } from '$lib/public_config';

export const load: LayoutServerLoad = async ({ locals, cookies }) => {
  const { session, user } = await locals.safeGetSession();
  const cfg = publicConfig();
  return { session, user, demoMode: cfg.demoMode, relayUrl: cfg.relayUrl, browserCalls: cfg.browserCalls, cookies: cookies.getAll() };
};
