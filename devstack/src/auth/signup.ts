// POST /signup: e-mail + password sign-up (GoTrue signup.go). With autoconfirm (`supabase start`) the answer is a
// session; with confirmation on (a hosted project) it is the user without a session, and a confirmation mail goes
// to the outbox. An address that is already confirmed then gets a look-alike user with no identities, so the answer
// does not tell who has an account.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pkceParams, redirectParam, sendEmailLink } from './email_flows.ts';
import { AuthError, errors } from './errors.ts';
import { clientInfo, type Reply } from './http_io.ts';
import type { AuthServer } from './server_context.ts';
import { actAsAuthAdmin, findUserByEmail, findUserById, hashPassword, identitiesOf, insertUser, startSession, transaction } from './store.ts';
import { tokenResponse } from './token_response.ts';
import { userJson } from './user_json.ts';
import { checkPassword, normaliseEmail, optionalObject } from './validation.ts';

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

/** What GoTrue answers for a sign-up with an address that already has a confirmed user (sanitizeUser). */
function lookAlikeUser(email: string, data: Record<string, unknown>): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    id: randomUUID(), aud: 'authenticated', role: '', email, phone: '', confirmation_sent_at: now,
    app_metadata: { provider: 'email', providers: ['email'] }, user_metadata: data, identities: [],
    created_at: now, updated_at: now, is_anonymous: false
  };
}

export async function signUp(srv: AuthServer, req: IncomingMessage, body: Record<string, unknown>, url: URL): Promise<Reply> {
  if (!present(body.email) && !present(body.phone)) {
    if (!present(body.password)) throw new AuthError(422, 'anonymous_provider_disabled', 'Anonymous sign-ins are disabled');
    throw errors.validation('Sign-up needs an email address and a password.');
  }
  if (present(body.email) && present(body.phone)) {
    throw errors.validation('Only an email address or phone number should be provided on signup.');
  }
  if (!present(body.email)) throw new AuthError(422, 'phone_provider_disabled', 'Phone signups are disabled');
  if (!present(body.password)) throw errors.validation('Signup requires a valid password');
  const email = normaliseEmail(body.email);
  const password = checkPassword(body.password, srv.config.minPasswordLength);
  const data = optionalObject(body, 'data') ?? {};

  const autoconfirm = srv.email.autoconfirm;
  const pkce = autoconfirm ? null : pkceParams(body);
  const existing = await findUserByEmail(srv.db, email);
  if (existing && autoconfirm) throw new AuthError(422, 'user_already_exists', 'User already registered');
  if (existing && existing.email_confirmed_at) return { status: 200, body: lookAlikeUser(email, data) };
  const redirectTo = redirectParam(srv, url);

  const reply = await transaction(srv.db, async (c) => {
    const hash = await hashPassword(c, password);
    await actAsAuthAdmin(c);
    if (existing) {
      // An unconfirmed user signing up again gets the new password and a fresh mail, as in GoTrue.
      await c.query('update auth.users set encrypted_password = $2, updated_at = now() where id = $1', [existing.id, hash]);
      await sendEmailLink(srv, c, { id: existing.id, email }, 'signup', redirectTo, pkce);
      return userJson((await findUserById(c, existing.id))!, await identitiesOf(c, existing.id));
    }
    // GoTrue copies the e-mail identity's claims into user_metadata (sign-up data wins), then confirming the
    // address sets email_verified.
    const id = randomUUID();
    await insertUser(c, {
      id,
      aud: 'authenticated',
      role: 'authenticated',
      email,
      phone: null,
      encryptedPassword: hash,
      appMetadata: { provider: 'email', providers: ['email'] },
      userMetadata: { sub: id, email, phone_verified: false, ...data, email_verified: autoconfirm },
      emailConfirmed: autoconfirm,
      phoneConfirmed: false,
      bannedUntilMs: null
    }).catch((err: { code?: string }) => {
      if (err.code === '23505') throw new AuthError(422, 'user_already_exists', 'User already registered');
      throw err;
    });
    if (!autoconfirm) {
      await sendEmailLink(srv, c, { id, email }, 'signup', redirectTo, pkce);
      return userJson((await findUserById(c, id))!, await identitiesOf(c, id));
    }
    const { sessionId, refreshToken } = await startSession(c, id, 'password', clientInfo(req));
    return tokenResponse(srv, c, id, sessionId, refreshToken);
  });
  return { status: 200, body: reply };
}
