// POST /signup: e-mail + password sign-up with autoconfirm, answered with a session (GoTrue signup.go).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AuthError, errors } from './errors.ts';
import { clientInfo, type Reply } from './http_io.ts';
import type { AuthServer } from './server_context.ts';
import { actAsAuthAdmin, findUserByEmail, hashPassword, insertUser, startSession, transaction } from './store.ts';
import { tokenResponse } from './token_response.ts';
import { checkPassword, normaliseEmail, optionalObject } from './validation.ts';

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

export async function signUp(srv: AuthServer, req: IncomingMessage, body: Record<string, unknown>): Promise<Reply> {
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

  if (await findUserByEmail(srv.db, email)) throw new AuthError(422, 'user_already_exists', 'User already registered');

  const session = await transaction(srv.db, async (c) => {
    const hash = await hashPassword(c, password);
    await actAsAuthAdmin(c);
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
      userMetadata: { sub: id, email, phone_verified: false, ...data, email_verified: true },
      emailConfirmed: true,
      phoneConfirmed: false,
      bannedUntilMs: null
    }).catch((err: { code?: string }) => {
      if (err.code === '23505') throw new AuthError(422, 'user_already_exists', 'User already registered');
      throw err;
    });
    const { sessionId, refreshToken } = await startSession(c, id, 'password', clientInfo(req));
    return tokenResponse(srv, c, id, sessionId, refreshToken);
  });
  return { status: 200, body: session };
}
