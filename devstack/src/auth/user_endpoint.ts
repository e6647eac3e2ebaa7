// GET /user and PUT /user (GoTrue user.go): the signed-in user's record and self-service updates.
import { AuthError, errors } from './errors.ts';
import type { Reply } from './http_io.ts';
import { mergeMetadata } from './metadata.ts';
import type { Caller } from './request_auth.ts';
import type { AuthServer } from './server_context.ts';
import {
  actAsAuthAdmin,
  deleteSessions,
  findUserByEmail,
  findUserById,
  hashPassword,
  identitiesOf,
  passwordMatches,
  transaction,
  upsertIdentityField
} from './store.ts';
import { userJson } from './user_json.ts';
import { checkPassword, normaliseEmail, optionalObject } from './validation.ts';

export async function getUser(srv: AuthServer, caller: Caller): Promise<Reply> {
  return { status: 200, body: userJson(caller.user, await identitiesOf(srv.db, caller.user.id)) };
}

export async function updateUser(srv: AuthServer, caller: Caller, body: Record<string, unknown>): Promise<Reply> {
  const userId = caller.user.id;
  const data = optionalObject(body, 'data');
  const password = body.password === undefined || body.password === null ? undefined : checkPassword(body.password, srv.config.minPasswordLength);
  const email = body.email === undefined || body.email === null || body.email === '' ? undefined : normaliseEmail(body.email);
  if (body.phone !== undefined && body.phone !== null && body.phone !== '') {
    throw new AuthError(422, 'phone_provider_disabled', 'Phone changes are disabled: there is no SMS provider.');
  }

  const user = await transaction(srv.db, async (c) => {
    let hash: string | null = null;
    if (password !== undefined) {
      if (await passwordMatches(c, userId, password)) {
        throw new AuthError(422, 'same_password', 'New password should be different from the old password.');
      }
      hash = await hashPassword(c, password);
    }
    await actAsAuthAdmin(c);
    const current = await findUserById(c, userId, true);
    if (!current) throw errors.userNotFoundFromJwt();
    if (hash !== null) {
      await c.query('update auth.users set encrypted_password = $2, updated_at = now() where id = $1', [userId, hash]);
      // A password change signs the user out everywhere else (GoTrue's LogoutAllExceptMe).
      await deleteSessions(c, userId, caller.sessionId ? 'others' : 'global', caller.sessionId);
    }
    if (email !== undefined && email !== current.email) {
      const other = await findUserByEmail(c, email);
      if (other && other.id !== userId) throw errors.emailExists();
      // With autoconfirm there is no confirmation mail: the change applies at once, as GoTrue does.
      await c.query(`update auth.users set email = $2, email_change = '', email_confirmed_at = coalesce(email_confirmed_at, now()), updated_at = now() where id = $1`, [userId, email]);
      await upsertIdentityField(c, userId, 'email', email);
    }
    if (data !== undefined) {
      const merged = mergeMetadata(current.raw_user_meta_data, data);
      await c.query('update auth.users set raw_user_meta_data = $2, updated_at = now() where id = $1', [userId, JSON.stringify(merged)]);
    }
    const row = await findUserById(c, userId);
    return userJson(row!, await identitiesOf(c, userId));
  });
  return { status: 200, body: user };
}
