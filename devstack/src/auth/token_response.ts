// The AccessTokenResponse (supabase-api.md §2.2) for a session: a fresh access token plus the user.
import { signAccessToken } from './access_token.ts';
import type { AuthServer } from './server_context.ts';
import { amrOf, findUserById, identitiesOf, type Queryable } from './store.ts';
import { userJson } from './user_json.ts';

export async function tokenResponse(srv: AuthServer, db: Queryable, userId: string, sessionId: string, refreshToken: string): Promise<Record<string, unknown>> {
  const row = await findUserById(db, userId);
  if (!row) throw new Error(`user ${userId} vanished while issuing a session`);
  const user = userJson(row, await identitiesOf(db, userId));
  const expiresIn = srv.config.jwtExpirySeconds;
  const { token, expiresAt } = signAccessToken(
    {
      issuer: srv.issuer,
      userId,
      aud: row.aud ?? 'authenticated',
      email: row.email ?? '',
      phone: row.phone ?? '',
      appMetadata: row.raw_app_meta_data ?? {},
      userMetadata: row.raw_user_meta_data ?? {},
      role: row.role ?? 'authenticated',
      sessionId,
      amr: await amrOf(db, sessionId),
      isAnonymous: row.is_anonymous,
      issuedAt: Math.floor(Date.now() / 1000),
      expirySeconds: expiresIn
    },
    srv.sign
  );
  return { access_token: token, token_type: 'bearer', expires_in: expiresIn, expires_at: expiresAt, refresh_token: refreshToken, user };
}
