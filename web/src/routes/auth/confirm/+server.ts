// Where confirmation and recovery mails land. Auth sends people here either with `token_hash` and `type` (the
// e-mail template of Supabase's server-side guide: works in any browser) or, after its own /verify, with a PKCE
// `code` that only the browser which asked can exchange.
import { redirect } from '@sveltejs/kit';
import type { EmailOtpType } from '@supabase/supabase-js';
import type { RequestHandler } from './$types';
import { safeNext } from '$lib/safe_next';

const OTP_TYPES: readonly EmailOtpType[] = ['signup', 'email', 'recovery', 'invite', 'magiclink', 'email_change'];

export const GET: RequestHandler = async ({ url, locals }) => {
  const type = url.searchParams.get('type') as EmailOtpType | null;
  const tokenHash = url.searchParams.get('token_hash');
  const code = url.searchParams.get('code');
  const fallback = type === 'recovery' ? '/account/password' : '/onboarding';
  const next = safeNext(url.searchParams.get('next'), fallback);
  let failed = true;
  if (tokenHash && type && OTP_TYPES.includes(type)) {
    const { error } = await locals.supabase.auth.verifyOtp({ type, token_hash: tokenHash });
    failed = !!error;
  } else if (code) {
    const { error } = await locals.supabase.auth.exchangeCodeForSession(code);
    failed = !!error;
  }
  if (failed) redirect(303, `/login?notice=link_invalid`);
  redirect(303, next);
};
