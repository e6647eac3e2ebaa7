// Who may open /operator. Auth is asked (getUser reads the account as it is now), so a role taken away closes the
// pages at once; the database views check the same role in the access token, which Auth copies from app_metadata
// when it issues one. Only the service can write app_metadata, never the user (user_metadata is theirs).
import { error } from '@sveltejs/kit';
import type { User } from '@supabase/supabase-js';

export const OPERATOR_ROLE = 'operator';

export function isOperator(user: Pick<User, 'app_metadata'> | null | undefined): boolean {
  return user?.app_metadata?.role === OPERATOR_ROLE;
}

/**
 * Whether an access token already carries the operator role. Read without checking the signature: it only decides
 * whether to ask Auth for a fresh token after the role was granted, the database checks the signed token itself.
 */
export function tokenCarriesOperator(accessToken: string | null | undefined): boolean {
  const payload = accessToken?.split('.')[1];
  if (!payload) return false;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { app_metadata?: { role?: unknown } };
    return claims.app_metadata?.role === OPERATOR_ROLE;
  } catch {
    return false;
  }
}

/** The operator pages, in menu order. */
export const OPERATOR_PAGES = [
  ['/operator', 'Users'],
  ['/operator/calls', 'Calls'],
  ['/operator/spend', 'Spend'],
  ['/operator/refunds', 'Refunds'],
  ['/operator/anomalies', 'Anomalies']
] as const;

/** A view's rows, or an error page a person can act on; a refused read (the token lost the role) is a 403. */
export function rowsOrFail<T>(res: { data: T[] | null; error: { code?: string } | null }, what: string): T[] {
  if (res.error?.code === '42501') error(403, { message: NOT_OPERATOR });
  if (res.error) error(503, { message: `${what} could not be loaded right now. Reload the page in a moment.` });
  return res.data ?? [];
}

export const NOT_OPERATOR =
  'These pages are for the people who run Call Me Back, and your account does not have the operator role. ' +
  'If you should have it, ask an administrator to grant it.';
