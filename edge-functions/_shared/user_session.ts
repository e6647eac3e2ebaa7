// Commands act for a signed-in user whose session is still live: Auth must accept the access token (signature,
// expiry, session still present) and the session must not have been signed out into token_blacklist.
import { appError } from '../../core/src/errors.ts';
import { failWith } from './responses.ts';

export interface UserSession {
  userId: string;
  sessionId: string;
  email: string | null;
  accessToken: string;
}

export interface SessionDeps {
  /** GET <supabase>/auth/v1/user with the token: what supabase-js auth.getUser(jwt) does. */
  fetchUser: (accessToken: string) => Promise<{ id: string; email?: string | null } | null>;
  isBlacklisted: (sessionId: string) => Promise<boolean>;
}

function claims(token: string): Record<string, unknown> | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    return JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return null;
  }
}

/**
 * True when the request carries what claims to be a signed-in user's token (checked by requireSession). False for
 * a client without a user: no Authorization header, the publishable key, or the anon role the gateway puts in
 * place of a bare apikey.
 */
export function claimsUser(req: Request): boolean {
  const token = /^Bearer\s+(.+)$/i.exec(req.headers.get('authorization') ?? '')?.[1]?.trim();
  return token ? claims(token)?.role === 'authenticated' : false;
}

export async function requireSession(req: Request, deps: SessionDeps): Promise<UserSession | Response> {
  const header = req.headers.get('authorization') ?? '';
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  const c = token ? claims(token) : null;
  if (!token || !c || c.role !== 'authenticated' || typeof c.session_id !== 'string') {
    return failWith(appError('unauthenticated'));
  }
  const user = await deps.fetchUser(token);
  if (!user || user.id !== c.sub) return failWith(appError('unauthenticated', 'Your session has ended. Please sign in again.'));
  if (await deps.isBlacklisted(c.session_id)) {
    return failWith(appError('session_revoked'));
  }
  return { userId: user.id, sessionId: c.session_id, email: user.email ?? null, accessToken: token };
}

/** The production wiring: Auth over HTTP (with the publishable key as apikey), the blacklist in Postgres. */
export function liveSessionDeps(supabaseUrl: string, publishableKey: string, query: (sql: string, args: unknown[]) => Promise<{ rowCount: number | null }>): SessionDeps {
  return {
    fetchUser: async (accessToken) => {
      const res = await fetch(`${supabaseUrl}/auth/v1/user`, {
        headers: { Authorization: `Bearer ${accessToken}`, apikey: publishableKey },
        signal: AbortSignal.timeout(5_000)
      });
      if (!res.ok) return null;
      return (await res.json()) as { id: string; email?: string | null };
    },
    isBlacklisted: async (sessionId) => {
      const r = await query('select 1 from public.token_blacklist where token_id = $1', [sessionId]);
      return (r.rowCount ?? 0) > 0;
    }
  };
}
