import { createServerClient } from '@supabase/ssr';
import type { Database } from '../../core/src/database.types.ts';
import { redirect, type Handle, type ServerInit } from '@sveltejs/kit';
import { env as privateEnv } from '$env/dynamic/private';
import { publicConfig } from '$lib/public_config';
import { webServerProblems } from '$lib/public_settings';

// Pages under these prefixes need a signed-in user; everything else is public.
const PROTECTED = ['/dashboard', '/personas', '/call', '/calls', '/schedule', '/billing', '/budget', '/scenarios', '/onboarding', '/account', '/pricing', '/operator'];

// Settings are checked when the server starts, not on the first request: a bad one stops it with one line each.
export const init: ServerInit = () => {
  const problems = webServerProblems(privateEnv);
  try {
    publicConfig();
  } catch (err) {
    problems.unshift(...(err as Error).message.split('\n'));
  }
  if (problems.length > 0) {
    console.error(`web app configuration is invalid:\n${problems.join('\n')}`);
    process.exit(78);
  }
};

export const handle: Handle = async ({ event, resolve }) => {
  const cfg = publicConfig();
  event.locals.supabase = createServerClient<Database>(cfg.supabaseUrl, cfg.supabaseKey, {
    cookies: {
      getAll: () => event.cookies.getAll(),
      setAll: (cookies) => {
        for (const { name, value, options } of cookies) event.cookies.set(name, value, { ...options, path: '/' });
      }
    }
  });

  // getSession() reads the cookie without checking it; getUser() asks Auth, so a revoked session is refused here.
  event.locals.safeGetSession = async () => {
    const { data: { session } } = await event.locals.supabase.auth.getSession();
    if (!session) return { session: null, user: null };
    const { data: { user }, error } = await event.locals.supabase.auth.getUser();
    if (error || !user) return { session: null, user: null };
    return { session, user };
  };

  const path = event.url.pathname;
  if (PROTECTED.some((p) => path === p || path.startsWith(`${p}/`))) {
    const { user } = await event.locals.safeGetSession();
    if (!user) redirect(303, `/login?next=${encodeURIComponent(path + event.url.search)}`);
  }

  return resolve(event, {
    filterSerializedResponseHeaders: (name) => name === 'content-range' || name === 'x-supabase-api-version'
  });
};
