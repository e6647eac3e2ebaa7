// SQL over the real auth schema, written the way GoTrue writes it so app triggers and foreign keys behave as on
// hosted Supabase. Writes run in transactions as supabase_auth_admin (GoTrue's database role); bcrypt hashing and
// checking use pgcrypto, which only the superuser may call here, so they run before the role switch.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AmrEntry } from './access_token.ts';
import { newRefreshToken } from './refresh_rotation.ts';
import { rfc3339, unixSeconds } from './timestamps.ts';
import type { IdentityRow, UserRow } from './user_json.ts';

export type Queryable = pg.Pool | pg.PoolClient;

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const TIMESTAMP_OIDS = new Set([1114, 1184]);

// Keep timestamps as Postgres text so microseconds survive into the JSON (JS Dates stop at milliseconds).
const rawTimestamps = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    TIMESTAMP_OIDS.has(oid) ? (v: string) => v : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser
};

export async function query<T>(db: Queryable, text: string, values: unknown[] = []): Promise<T[]> {
  const result = await db.query({ text, values, types: rawTimestamps } as pg.QueryConfig);
  return result.rows as T[];
}

async function one<T>(db: Queryable, text: string, values: unknown[] = []): Promise<T | null> {
  return (await query<T>(db, text, values))[0] ?? null;
}

/** Runs fn in a transaction; rolls back on any error. */
export async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const out = await fn(client);
    await client.query('commit');
    return out;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function actAsAuthAdmin(c: pg.PoolClient): Promise<void> {
  await c.query('set local role supabase_auth_admin');
}

export async function hashPassword(db: Queryable, password: string): Promise<string> {
  const row = await one<{ hash: string }>(db, "select extensions.crypt($1, extensions.gen_salt('bf', 10)) as hash", [password]);
  return row!.hash;
}

/** bcrypt check; pgcrypto reads $2a$/$2y$ hashes, so $2b$ ones (same algorithm) are compared under $2a$. */
export async function passwordMatches(db: Queryable, userId: string, password: string): Promise<boolean> {
  const row = await one<{ ok: boolean }>(
    db,
    `select case
       when encrypted_password ~ '^\\$2[abxy]\\$\\d\\d\\$.{53}$' then
         overlay(encrypted_password placing '$2a$' from 1 for 4) =
         extensions.crypt($2, overlay(encrypted_password placing '$2a$' from 1 for 4))
       else false end as ok
     from auth.users where id = $1`,
    [userId, password]
  );
  return row?.ok === true;
}

const USER_COLUMNS = `id, aud, role, email, email_confirmed_at, invited_at, phone, phone_confirmed_at,
  confirmation_sent_at, confirmed_at, recovery_sent_at, email_change, email_change_sent_at, phone_change,
  phone_change_sent_at, reauthentication_sent_at, last_sign_in_at, raw_app_meta_data, raw_user_meta_data,
  created_at, updated_at, banned_until, deleted_at, is_anonymous`;

export async function findUserById(db: Queryable, id: string, forUpdate = false): Promise<UserRow | null> {
  return one<UserRow>(db, `select ${USER_COLUMNS} from auth.users where id = $1${forUpdate ? ' for update' : ''}`, [id]);
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | null> {
  return one<UserRow>(db, `select ${USER_COLUMNS} from auth.users where lower(email) = $1 and is_sso_user = false`, [email]);
}

export async function findUserByPhone(db: Queryable, phone: string): Promise<UserRow | null> {
  return one<UserRow>(db, `select ${USER_COLUMNS} from auth.users where phone = $1`, [phone]);
}

export async function identitiesOf(db: Queryable, userId: string): Promise<IdentityRow[]> {
  return query<IdentityRow>(
    db,
    `select id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at, email
       from auth.identities where user_id = $1 order by created_at, id`,
    [userId]
  );
}

export function isBanned(user: UserRow, nowMs = Date.now()): boolean {
  return user.banned_until !== null && Date.parse(rfc3339(user.banned_until)!) > nowMs;
}

export interface NewUser {
  id?: string;
  aud: string;
  role: string;
  email: string | null;
  phone: string | null;
  encryptedPassword: string;
  appMetadata: Record<string, unknown>;
  userMetadata: Record<string, unknown>;
  emailConfirmed: boolean;
  phoneConfirmed: boolean;
  bannedUntilMs: number | null;
}

/** Inserts the user and its identities (email and/or phone) the way GoTrue's sign-up and admin create do. */
export async function insertUser(c: pg.PoolClient, u: NewUser): Promise<string> {
  const id = u.id ?? randomUUID();
  await c.query(
    `insert into auth.users (instance_id, id, aud, role, email, phone, encrypted_password, email_confirmed_at,
        phone_confirmed_at, confirmation_token, recovery_token, email_change_token_new, email_change,
        raw_app_meta_data, raw_user_meta_data, banned_until, created_at, updated_at, is_anonymous)
     values ($1, $2, $3, $4, $5, $6, $7, case when $8 then now() end, case when $9 then now() end, '', '', '', '',
        $10, $11, case when $12::float8 is not null then now() + make_interval(secs => $12::float8 / 1000) end,
        now(), now(), false)`,
    [NIL_UUID, id, u.aud, u.role, u.email, u.phone, u.encryptedPassword, u.emailConfirmed, u.phoneConfirmed,
      JSON.stringify(u.appMetadata), JSON.stringify(u.userMetadata), u.bannedUntilMs]
  );
  if (u.email !== null) await insertIdentity(c, id, 'email', { sub: id, email: u.email, email_verified: false, phone_verified: false });
  if (u.phone !== null) await insertIdentity(c, id, 'phone', { sub: id, phone: u.phone, email_verified: false, phone_verified: false });
  return id;
}

export async function insertIdentity(c: pg.PoolClient, userId: string, provider: string, data: Record<string, unknown>): Promise<void> {
  await c.query(
    `insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
     values ($1::text, $1::uuid, $2, $3, now(), now(), now())`,
    [userId, JSON.stringify(data), provider]
  );
}

/** Sets or replaces the identity of a provider (email change, phone added by an admin). */
export async function upsertIdentityField(c: pg.PoolClient, userId: string, provider: 'email' | 'phone', value: string): Promise<void> {
  const updated = await c.query(
    `update auth.identities set identity_data = identity_data || jsonb_build_object($3::text, $4::text), updated_at = now()
      where user_id = $1 and provider = $2`,
    [userId, provider, provider, value]
  );
  if (updated.rowCount === 0) {
    await insertIdentity(c, userId, provider, { sub: userId, [provider]: value, email_verified: false, phone_verified: false });
  }
}

/** Creates a session with its first refresh token and amr claim, and stamps last_sign_in_at. */
export async function startSession(
  c: pg.PoolClient,
  userId: string,
  method: string,
  client: { userAgent: string | null; ip: string | null }
): Promise<{ sessionId: string; refreshToken: string }> {
  const sessionId = randomUUID();
  const refreshToken = newRefreshToken();
  await c.query(
    `insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)
     values ($1, $2, now(), now(), 'aal1', $3, $4::inet)`,
    [sessionId, userId, client.userAgent, client.ip]
  );
  await c.query(
    `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
     values ($1, $2, $3, false, now(), now(), null, $4)`,
    [NIL_UUID, refreshToken, userId, sessionId]
  );
  await c.query(
    `insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at, authentication_method)
     values (gen_random_uuid(), $1, now(), now(), $2)
     on conflict (session_id, authentication_method) do update set updated_at = excluded.updated_at`,
    [sessionId, method]
  );
  await c.query('update auth.users set last_sign_in_at = now(), updated_at = now() where id = $1', [userId]);
  await c.query('update auth.identities set last_sign_in_at = now() where user_id = $1 and provider = $2', [userId, method === 'password' ? 'email' : method]);
  return { sessionId, refreshToken };
}

export async function amrOf(db: Queryable, sessionId: string): Promise<AmrEntry[]> {
  const rows = await query<{ authentication_method: string; updated_at: string }>(
    db,
    'select authentication_method, updated_at from auth.mfa_amr_claims where session_id = $1 order by updated_at desc',
    [sessionId]
  );
  return rows.map((r) => ({ method: r.authentication_method, timestamp: unixSeconds(r.updated_at) }));
}

export async function sessionExists(db: Queryable, sessionId: string): Promise<boolean> {
  return (await one(db, 'select 1 from auth.sessions where id = $1', [sessionId])) !== null;
}

export interface RefreshTokenRow {
  id: string;
  token: string;
  user_id: string;
  revoked: boolean;
  parent: string | null;
  session_id: string | null;
  updated_at: string;
}

export async function findRefreshToken(db: Queryable, token: string): Promise<RefreshTokenRow | null> {
  return one<RefreshTokenRow>(
    db,
    'select id, token, user_id, revoked, parent, session_id, updated_at from auth.refresh_tokens where token = $1',
    [token]
  );
}

/** Locks the session row so concurrent refreshes of one session run one after another. */
export async function lockSession(c: pg.PoolClient, sessionId: string): Promise<boolean> {
  return (await one(c, 'select 1 from auth.sessions where id = $1 for update', [sessionId])) !== null;
}

export async function activeRefreshToken(c: pg.PoolClient, sessionId: string): Promise<{ token: string; parent: string | null } | null> {
  return one(c, 'select token, parent from auth.refresh_tokens where session_id = $1 and revoked = false order by id desc limit 1', [sessionId]);
}

/** Revokes `old` and issues its child in the same session. */
export async function swapRefreshToken(c: pg.PoolClient, old: RefreshTokenRow): Promise<string> {
  const token = newRefreshToken();
  await c.query('update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1', [old.id]);
  await c.query(
    `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
     values ($1, $2, $3, false, now(), now(), $4, $5)`,
    [NIL_UUID, token, old.user_id, old.token, old.session_id]
  );
  return token;
}

export async function revokeSessionTokens(c: pg.PoolClient, sessionId: string): Promise<void> {
  await c.query('update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1 and revoked = false', [sessionId]);
}

export async function markSessionRefreshed(c: pg.PoolClient, sessionId: string, client: { userAgent: string | null; ip: string | null }): Promise<void> {
  await c.query(
    `update auth.sessions set refreshed_at = (now() at time zone 'utc'), updated_at = now(), user_agent = $2, ip = $3::inet
      where id = $1`,
    [sessionId, client.userAgent, client.ip]
  );
}

export async function deleteSessions(c: pg.PoolClient, userId: string, scope: 'global' | 'local' | 'others', sessionId: string | null): Promise<void> {
  if (scope === 'local' && sessionId) await c.query('delete from auth.sessions where id = $1', [sessionId]);
  else if (scope === 'others' && sessionId) await c.query('delete from auth.sessions where user_id = $1 and id <> $2', [userId, sessionId]);
  else await c.query('delete from auth.sessions where user_id = $1', [userId]);
}
