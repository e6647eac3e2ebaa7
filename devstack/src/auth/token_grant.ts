// POST /token?grant_type=password|refresh_token (GoTrue token.go and tokens/service.go, v1 refresh tokens).
import type { IncomingMessage } from 'node:http';
import { AuthError, errors, OAuthError } from './errors.ts';
import { clientInfo, type Reply } from './http_io.ts';
import { decideRefresh } from './refresh_rotation.ts';
import type { AuthServer } from './server_context.ts';
import {
  activeRefreshToken,
  actAsAuthAdmin,
  findRefreshToken,
  findUserByEmail,
  findUserById,
  isBanned,
  lockSession,
  markSessionRefreshed,
  passwordMatches,
  revokeSessionTokens,
  startSession,
  swapRefreshToken,
  transaction
} from './store.ts';
import { rfc3339 } from './timestamps.ts';
import { tokenResponse } from './token_response.ts';
import { normaliseEmail } from './validation.ts';

const invalidCredentials = () => new AuthError(400, 'invalid_credentials', 'Invalid login credentials');
const present = (v: unknown) => v !== undefined && v !== null && v !== '';

export async function passwordGrant(srv: AuthServer, req: IncomingMessage, body: Record<string, unknown>): Promise<Reply> {
  if (!present(body.email) && !present(body.phone)) {
    throw errors.validation('Sign-in needs an email address and a password.');
  }
  if (present(body.email) && present(body.phone)) {
    throw errors.validation('Only an email address or phone number should be provided on login.');
  }
  if (!present(body.email)) throw new AuthError(422, 'phone_provider_disabled', 'Phone logins are disabled');
  const email = normaliseEmail(body.email);
  if (!present(body.password)) throw errors.validation('Sign-in needs a password.');
  if (typeof body.password !== 'string') throw errors.validation('The password must be a string.');
  const password = body.password;

  const client = clientInfo(req);
  // Per address and e-mail (guessing one password), and per address alone (trying one password on many accounts).
  const address = client.ip ?? '?';
  const perAddress = srv.signInAddressLimiter.allow(address);
  if (!srv.signInLimiter.allow(`${address}|${email}`) || !perAddress) {
    throw new AuthError(429, 'over_request_rate_limit', 'Request rate limit reached. Wait a few minutes before signing in again.');
  }

  const user = await findUserByEmail(srv.db, email);
  if (!user || user.deleted_at) throw invalidCredentials();
  if (isBanned(user)) throw new AuthError(400, 'user_banned', 'User is banned');
  if (!(await passwordMatches(srv.db, user.id, password))) throw invalidCredentials();
  if (!user.email_confirmed_at) throw new AuthError(400, 'email_not_confirmed', 'Email not confirmed');

  const session = await transaction(srv.db, async (c) => {
    await actAsAuthAdmin(c);
    const { sessionId, refreshToken } = await startSession(c, user.id, 'password', client);
    return tokenResponse(srv, c, user.id, sessionId, refreshToken);
  });
  return { status: 200, body: session };
}

const tokenNotFound = () => new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');

export async function refreshGrant(srv: AuthServer, req: IncomingMessage, body: Record<string, unknown>): Promise<Reply> {
  const presented = body.refresh_token;
  if (typeof presented !== 'string' || presented === '') throw new OAuthError('invalid_request', 'refresh_token required');
  const found = await findRefreshToken(srv.db, presented);
  if (!found) throw tokenNotFound();
  const user = await findUserById(srv.db, found.user_id);
  if (!user) throw tokenNotFound();
  if (isBanned(user)) throw new AuthError(400, 'user_banned', 'Invalid Refresh Token: User Banned');
  const sessionId = found.session_id;
  if (!sessionId) throw new AuthError(400, 'session_not_found', 'Invalid Refresh Token: No Valid Session Found');

  const outcome = await transaction(srv.db, async (c) => {
    await actAsAuthAdmin(c);
    if (!(await lockSession(c, sessionId))) return { error: tokenNotFound() };
    const token = await findRefreshToken(c, presented);
    if (!token) return { error: tokenNotFound() };
    const active = await activeRefreshToken(c, sessionId);
    const decision = decideRefresh(
      { token: token.token, revoked: token.revoked, updatedAtMs: Date.parse(rfc3339(token.updated_at)!) },
      active,
      Date.now(),
      srv.config.refreshReuseIntervalSeconds
    );
    if (decision === 'reject_and_revoke_session') {
      // Committed on purpose: the revocation must stick even though the request fails.
      await revokeSessionTokens(c, sessionId);
      return { error: new AuthError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used') };
    }
    const issued = decision === 'return_active' && active ? active.token : await swapRefreshToken(c, token);
    await markSessionRefreshed(c, sessionId, clientInfo(req));
    return { session: await tokenResponse(srv, c, user.id, sessionId, issued) };
  });
  if ('error' in outcome) throw outcome.error;
  return { status: 200, body: outcome.session };
}
