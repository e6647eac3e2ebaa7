import { createBrowserClient, createServerClient, isBrowser } from '@supabase/ssr';
import type { LayoutLoad } from './$types';
import { publicConfig } from '$lib/public_config';

export const load: LayoutLoad = async ({ data, depends, fetch }) => {
  depends('supabase:auth');
  const cfg = publicConfig();
  const supabase = isBrowser()
    ? createBrowserClient(cfg.supabaseUrl, cfg.supabaseKey, { global: { fetch } })
    : createServerClient(cfg.supabaseUrl, cfg.supabaseKey, {
        global: { fetch },
        cookies: { getAll: () => data.cookies }
      });
  return { supabase, session: data.session, user: data.user, demoMode: data.demoMode, relayUrl: data.relayUrl, browserCalls: data.browserCalls };
};
