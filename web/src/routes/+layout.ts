import { createBrowserClient, createServerClient, isBrowser } from '@supabase/ssr';
import type { LayoutLoad } from './$types';
import { publicConfig } from '$lib/public_config';
import type { Database } from '../../../core/src/database.types.ts';

export const load: LayoutLoad = async ({ data, depends, fetch }) => {
  depends('supabase:auth');
  const cfg = publicConfig();
  const supabase = isBrowser()
    ? createBrowserClient<Database>(cfg.supabaseUrl, cfg.supabaseKey, { global: { fetch } })
    : createServerClient<Database>(cfg.supabaseUrl, cfg.supabaseKey, {
        global: { fetch },
        cookies: { getAll: () => data.cookies }
      });
  return { supabase, session: data.session, user: data.user, demoMode: data.demoMode, relayUrl: data.relayUrl, browserCalls: data.browserCalls };
};
