// The admin user API under /admin/users (GoTrue admin.go), for service_role callers.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { AuthError, errors } from './errors.ts';
import type { Reply } from './http_io.ts';
import { mergeMetadata } from './metadata.ts';
import { paginationLink, parsePage } from './pagination.ts';
import type { AuthServer } from './server_context.ts';
import {
  actAsAuthAdmin,
  deleteSessions,
  findUserByEmail,
  findUserById,
  findUserByPhone,
  hashPassword,
  identitiesOf,
  insertUser,
  query,
  transaction,
  upsertIdentityField
} from './store.ts';
import { type IdentityRow, type UserRow, userJson } from './user_json.ts';
import {
  checkPassword,
  isUuid,
  normaliseEmail,
  normalisePhone,
  optionalBoolean,
  optionalObject,
  optionalString,
  parseBanDuration
} from './validation.ts';

const BCRYPT_HASH = /^\$2[abxy]\$\d\d\$.{53}$/;
const userNotFound = () => new AuthError(404, 'user_not_found', 'User not found');

interface AdminParams {
  email?: string;
  phone?: string;
  password?: string;
  passwordHash?: string;
  emailConfirm: boolean;
  phoneConfirm: boolean;
  userMetadata?: Record<string, unknown>;
  appMetadata?: Record<string, unknown>;
  role?: string;
  aud?: string;
  id?: string;
  banMs?: number | 'none';
}

function adminParams(body: Record<string, unknown>, minPasswordLength: number): AdminParams {
  const email = optionalString(body, 'email');
  const phone = optionalString(body, 'phone');
  const password = optionalString(body, 'password');
  const passwordHash = optionalString(body, 'password_hash');
  if (passwordHash !== undefined && !BCRYPT_HASH.test(passwordHash)) {
    throw errors.validation('password_hash must be a bcrypt hash ($2a$/$2b$/$2y$ followed by cost and 53 characters).');
  }
  const id = optionalString(body, 'id');
  if (id !== undefined && !isUuid(id)) throw errors.validation('id must be a UUID.');
  const ban = optionalString(body, 'ban_duration');
  return {
    email: email ? normaliseEmail(email) : undefined,
    phone: phone ? normalisePhone(phone) : undefined,
    password: password ? checkPassword(password, minPasswordLength) : undefined,
    passwordHash,
    emailConfirm: optionalBoolean(body, 'email_confirm'),
    phoneConfirm: optionalBoolean(body, 'phone_confirm'),
    userMetadata: optionalObject(body, 'user_metadata'),
    appMetadata: optionalObject(body, 'app_metadata'),
    role: optionalString(body, 'role') || undefined,
    aud: optionalString(body, 'aud') || undefined,
    id,
    banMs: ban ? parseBanDuration(ban) : undefined
  };
}

async function withIdentities(db: pg.Pool | pg.PoolClient, rows: UserRow[]): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const identities = await query<IdentityRow>(
    db,
    `select id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at, email
       from auth.identities where user_id = any($1::uuid[]) order by created_at, id`,
    [rows.map((r) => r.id)]
  );
  return rows.map((r) => userJson(r, identities.filter((i) => i.user_id === r.id)));
}

export async function listUsers(srv: AuthServer, url: URL): Promise<Reply> {
  const page = parsePage(url.searchParams);
  const filter = url.searchParams.get('filter');
  const where = filter ? `aud = $1 and (email ilike $2 or raw_user_meta_data->>'full_name' ilike $2)` : 'aud = $1';
  const args: unknown[] = ['authenticated'];
  if (filter) args.push(`%${filter.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
  const counted = await query<{ total: string }>(srv.db, `select count(*) as total from auth.users where ${where}`, args);
  const rows = await query<UserRow>(
    srv.db,
    `select * from auth.users where ${where} order by created_at desc, id limit ${page.perPage} offset ${(page.page - 1) * page.perPage}`,
    args
  );
  const count = Number(counted[0]?.total ?? 0);
  return {
    status: 200,
    body: { users: await withIdentities(srv.db, rows), aud: 'authenticated' },
    headers: { 'X-Total-Count': String(count), Link: paginationLink(`${srv.issuer}/admin/users`, page, count) }
  };
}

export async function getUserById(srv: AuthServer, id: string): Promise<Reply> {
  const row = await findUserById(srv.db, id);
  if (!row) throw userNotFound();
  return { status: 200, body: userJson(row, await identitiesOf(srv.db, id)) };
}

function randomPassword(): string {
  return randomBytes(36).toString('base64url').slice(0, 48);
}

export async function createUser(srv: AuthServer, body: Record<string, unknown>): Promise<Reply> {
  const p = adminParams(body, srv.config.minPasswordLength);
  if (!p.email && !p.phone) throw errors.validation('Cannot create a user without either an email or phone');
  if (p.email && (await findUserByEmail(srv.db, p.email))) throw errors.emailExists();
  if (p.phone && (await findUserByPhone(srv.db, p.phone))) throw errors.phoneExists();
  if (p.id && (await findUserById(srv.db, p.id))) throw new AuthError(422, 'user_already_exists', 'A user with this id already exists');
  const providers = [...(p.email ? ['email'] : []), ...(p.phone ? ['phone'] : [])];

  const user = await transaction(srv.db, async (c) => {
    const hash = p.passwordHash ?? (await hashPassword(c, p.password ?? randomPassword()));
    await actAsAuthAdmin(c);
    const userMetadata = { ...(p.userMetadata ?? {}) };
    if (p.emailConfirm) userMetadata.email_verified = true;
    if (p.phoneConfirm) userMetadata.phone_verified = true;
    const id = await insertUser(c, {
      id: p.id,
      aud: p.aud ?? 'authenticated',
      role: p.role ?? 'authenticated',
      email: p.email ?? null,
      phone: p.phone ?? null,
      encryptedPassword: hash,
      appMetadata: mergeMetadata({ provider: providers[0], providers }, p.appMetadata ?? {}),
      userMetadata,
      emailConfirmed: p.emailConfirm,
      phoneConfirmed: p.phoneConfirm,
      bannedUntilMs: typeof p.banMs === 'number' ? p.banMs : null
    });
    const row = await findUserById(c, id);
    return userJson(row!, await identitiesOf(c, id));
  });
  return { status: 200, body: user };
}

export async function updateUserById(srv: AuthServer, id: string, body: Record<string, unknown>): Promise<Reply> {
  const p = adminParams(body, srv.config.minPasswordLength);
  if (!(await findUserById(srv.db, id))) throw userNotFound();

  const user = await transaction(srv.db, async (c) => {
    const hash = p.passwordHash ?? (p.password !== undefined ? await hashPassword(c, p.password) : null);
    await actAsAuthAdmin(c);
    const current = await findUserById(c, id, true);
    if (!current) throw userNotFound();
    if (hash !== null) {
      await c.query('update auth.users set encrypted_password = $2 where id = $1', [id, hash]);
      // An admin password change ends every session of the user (GoTrue's UpdatePassword without a session).
      await deleteSessions(c, id, 'global', null);
    }
    if (p.role) await c.query('update auth.users set role = $2 where id = $1', [id, p.role]);
    if (p.email && p.email !== current.email) {
      const other = await findUserByEmail(c, p.email);
      if (other && other.id !== id) throw errors.emailExists();
      await c.query(`update auth.users set email = $2, email_change = '' where id = $1`, [id, p.email]);
      await upsertIdentityField(c, id, 'email', p.email);
    }
    if (p.phone && p.phone !== current.phone) {
      const other = await findUserByPhone(c, p.phone);
      if (other && other.id !== id) throw errors.phoneExists();
      await c.query(`update auth.users set phone = $2, phone_change = '' where id = $1`, [id, p.phone]);
      await upsertIdentityField(c, id, 'phone', p.phone);
    }
    let userMetadata = current.raw_user_meta_data ?? {};
    if (p.emailConfirm) {
      await c.query('update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()) where id = $1', [id]);
      userMetadata = mergeMetadata(userMetadata, { email_verified: true });
    }
    if (p.phoneConfirm) {
      await c.query('update auth.users set phone_confirmed_at = coalesce(phone_confirmed_at, now()) where id = $1', [id]);
      userMetadata = mergeMetadata(userMetadata, { phone_verified: true });
    }
    if (p.userMetadata) userMetadata = mergeMetadata(userMetadata, p.userMetadata);
    const appMetadata = p.appMetadata ? mergeMetadata(current.raw_app_meta_data, p.appMetadata) : current.raw_app_meta_data ?? {};
    await c.query('update auth.users set raw_user_meta_data = $2, raw_app_meta_data = $3, updated_at = now() where id = $1', [
      id,
      JSON.stringify(userMetadata),
      JSON.stringify(appMetadata)
    ]);
    if (p.banMs !== undefined) {
      await c.query(
        `update auth.users set banned_until = case when $2::float8 is null then null else now() + make_interval(secs => $2::float8 / 1000) end where id = $1`,
        [id, p.banMs === 'none' ? null : p.banMs]
      );
    }
    const row = await findUserById(c, id);
    return userJson(row!, await identitiesOf(c, id));
  });
  return { status: 200, body: user };
}

export async function deleteUser(srv: AuthServer, id: string, body: Record<string, unknown>): Promise<Reply> {
  const soft = optionalBoolean(body, 'should_soft_delete');
  if (!(await findUserById(srv.db, id))) throw userNotFound();
  await transaction(srv.db, async (c) => {
    await actAsAuthAdmin(c);
    if (!soft) {
      // Cascades to identities, sessions, refresh tokens and app rows that reference auth.users.
      await c.query('delete from auth.users where id = $1', [id]);
      return;
    }
    await deleteSessions(c, id, 'global', null);
    await c.query('delete from auth.identities where user_id = $1', [id]);
    await c.query(
      `update auth.users set email = null, phone = null, email_change = '', phone_change = '', encrypted_password = '',
         raw_user_meta_data = '{}', raw_app_meta_data = '{}', deleted_at = coalesce(deleted_at, now()), updated_at = now()
       where id = $1`,
      [id]
    );
  });
  return { status: 200, body: {} };
}
