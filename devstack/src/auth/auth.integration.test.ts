// The Auth conformance checklist (supabase-api.md §7, Auth line), driven with the unmodified supabase-js client
// against a running devstack gateway, plus raw-HTTP checks of the wire format and a small fuzz loop.
import { AuthApiError, createClient, isAuthSessionMissingError, type SupabaseClient } from '@supabase/supabase-js';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { stack, uniqueEmail } from '../testing/stack_env.ts';
import { loadAuthConfig } from './auth_config.ts';

const AUTH = `${stack.apiUrl}/auth/v1`;
const PASSWORD = 'correct-horse-1';
const clientOptions = { auth: { persistSession: false, autoRefreshToken: false } };
const db = new pg.Pool({ connectionString: stack.dbUrl, max: 2 });
const createdEmails: string[] = [];

function anon(): SupabaseClient {
  return createClient(stack.apiUrl, stack.anonKey, clientOptions);
}

function email(tag: string): string {
  const e = uniqueEmail(`auth-it-${tag}`);
  createdEmails.push(e);
  return e;
}

/** A fresh autoconfirmed user, signed up through supabase-js. */
async function newUser(tag: string): Promise<{ email: string; client: SupabaseClient; userId: string }> {
  const address = email(tag);
  const client = anon();
  const { data, error } = await client.auth.signUp({ email: address, password: PASSWORD });
  expect(error).toBeNull();
  return { email: address, client, userId: data.user!.id };
}

async function signedIn(address: string, password = PASSWORD): Promise<SupabaseClient> {
  const client = anon();
  const { error } = await client.auth.signInWithPassword({ email: address, password });
  expect(error).toBeNull();
  return client;
}

async function sessionIdOf(client: SupabaseClient): Promise<string> {
  const { data } = await client.auth.getSession();
  return decodeJwt(data.session!.access_token).session_id as string;
}

async function sessionRows(userId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('select id from auth.sessions where user_id = $1 order by created_at', [userId]);
  return rows.map((r) => r.id);
}

async function rawFetch(path: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const headers = new Headers(init.headers);
  // An empty apikey means "send none", to see what a request without any key gets.
  if (!headers.has('apikey')) headers.set('apikey', stack.anonKey);
  else if (headers.get('apikey') === '') headers.delete('apikey');
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const res = await fetch(`${AUTH}${path}`, { ...init, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // left as text: the assertions say what was expected
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

afterAll(async () => {
  if (createdEmails.length) await db.query('delete from auth.users where email = any($1)', [createdEmails.map((e) => e.toLowerCase())]);
  await db.end();
});

describe('sign-up and sign-in', () => {
  it('signUp returns a session and the user (autoconfirm), with rows written as GoTrue writes them', async () => {
    const address = email('signup');
    const { data, error } = await anon().auth.signUp({ email: address, password: PASSWORD, options: { data: { name: 'Ada' } } });
    expect(error).toBeNull();
    const { session, user } = data;
    expect(session?.access_token).toBeTruthy();
    expect(session?.refresh_token).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(session?.token_type).toBe('bearer');
    expect(session?.expires_in).toBe(3600);
    expect(user?.email).toBe(address.toLowerCase());
    expect(user?.email_confirmed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(user?.user_metadata).toMatchObject({ name: 'Ada', email_verified: true, sub: user!.id });
    expect(user?.app_metadata).toEqual({ provider: 'email', providers: ['email'] });
    expect(user?.identities).toHaveLength(1);
    expect(user?.identities?.[0]).toMatchObject({ id: user!.id, user_id: user!.id, provider: 'email' });

    const { rows } = await db.query(
      `select u.encrypted_password, u.role, u.aud, (select count(*) from auth.identities i where i.user_id = u.id) as identities,
              (select count(*) from auth.sessions s where s.user_id = u.id) as sessions,
              (select count(*) from auth.refresh_tokens r where r.user_id = u.id::text and not r.revoked) as live_tokens
         from auth.users u where u.id = $1`,
      [user!.id]
    );
    expect(rows[0]).toMatchObject({ role: 'authenticated', aud: 'authenticated', identities: '1', sessions: '1', live_tokens: '1' });
    expect(rows[0].encrypted_password).toMatch(/^\$2a\$10\$/);
  });

  it('signUp with a registered e-mail fails with 422 user_already_exists', async () => {
    const { email: address } = await newUser('dup');
    const { data, error } = await anon().auth.signUp({ email: address, password: PASSWORD });
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error?.status).toBe(422);
    expect(error?.code).toBe('user_already_exists');
    expect(data.session).toBeNull();
  });

  it('signInWithPassword with the right password opens a new session', async () => {
    const { email: address, userId } = await newUser('signin');
    const { data, error } = await anon().auth.signInWithPassword({ email: address.toUpperCase(), password: PASSWORD });
    expect(error).toBeNull();
    expect(data.user?.id).toBe(userId);
    expect(data.user?.last_sign_in_at).toBeTruthy();
    expect(await sessionRows(userId)).toHaveLength(2);
  });

  it('signInWithPassword with a wrong password fails with 400 invalid_credentials', async () => {
    const { email: address } = await newUser('wrongpw');
    const { data, error } = await anon().auth.signInWithPassword({ email: address, password: 'not-the-password' });
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error?.status).toBe(400);
    expect(error?.code).toBe('invalid_credentials');
    expect(error?.message).toBe('Invalid login credentials');
    expect(data.session).toBeNull();
  });

  it('signInWithPassword for an admin-created user without email_confirm fails with 400 email_not_confirmed', async () => {
    const address = email('unconfirmed');
    const admin = createClient(stack.apiUrl, stack.serviceRoleKey, clientOptions);
    const created = await admin.auth.admin.createUser({ email: address, password: PASSWORD });
    expect(created.error).toBeNull();
    expect(created.data.user?.email_confirmed_at).toBeUndefined();
    const { error } = await anon().auth.signInWithPassword({ email: address, password: PASSWORD });
    expect(error?.status).toBe(400);
    expect(error?.code).toBe('email_not_confirmed');
    // A wrong password still says invalid_credentials, so the unconfirmed state is only revealed to the owner.
    const wrong = await anon().auth.signInWithPassword({ email: address, password: 'nope-nope' });
    expect(wrong.error?.code).toBe('invalid_credentials');
  });
});

describe('the signed-in user', () => {
  it('getUser returns the user for a live session', async () => {
    const { client, userId, email: address } = await newUser('getuser');
    const { data, error } = await client.auth.getUser();
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ id: userId, email: address.toLowerCase(), aud: 'authenticated', role: 'authenticated' });
  });

  it('getUser with a JWT whose session was signed out (global) fails and clears the local session', async () => {
    const { email: address, client: first } = await newUser('getuser-out');
    const second = await signedIn(address);
    const oldToken = (await first.auth.getSession()).data.session!.access_token;
    expect((await second.auth.signOut()).error).toBeNull();

    const { data, error } = await first.auth.getUser();
    expect(isAuthSessionMissingError(error)).toBe(true);
    expect(data.user).toBeNull();
    expect((await first.auth.getSession()).data.session).toBeNull();

    const raw = await rawFetch('/user', { headers: { Authorization: `Bearer ${oldToken}`, 'X-Supabase-Api-Version': '2024-01-01' } });
    expect(raw.status).toBe(403);
    expect(raw.body.code).toBe('session_not_found');
  });

  it('updateUser merges data into user_metadata, a null value deleting the key', async () => {
    const address = email('meta');
    const client = anon();
    await client.auth.signUp({ email: address, password: PASSWORD, options: { data: { name: 'Ada', theme: 'dark', locale: 'en' } } });
    const { data, error } = await client.auth.updateUser({ data: { theme: null, name: 'Grace', plan: 'pro' } });
    expect(error).toBeNull();
    expect(data.user?.user_metadata).toMatchObject({ name: 'Grace', locale: 'en', plan: 'pro' });
    expect(data.user?.user_metadata).not.toHaveProperty('theme');
    const { rows } = await db.query('select raw_user_meta_data from auth.users where id = $1', [data.user!.id]);
    expect(rows[0].raw_user_meta_data).not.toHaveProperty('theme');
    expect(rows[0].raw_user_meta_data.name).toBe('Grace');
  });

  it('updateUser with a new password logs out the other sessions and keeps this one', async () => {
    const { email: address, client: changer, userId } = await newUser('pwchange');
    const other = await signedIn(address);
    const keep = await sessionIdOf(changer);
    const same = await changer.auth.updateUser({ password: PASSWORD });
    expect(same.error?.code).toBe('same_password');
    const weak = await changer.auth.updateUser({ password: '123' });
    expect(weak.error?.code).toBe('weak_password');

    const { error } = await changer.auth.updateUser({ password: 'a-brand-new-one' });
    expect(error).toBeNull();
    expect(await sessionRows(userId)).toEqual([keep]);
    expect(isAuthSessionMissingError((await other.auth.getUser()).error)).toBe(true);
    expect((await anon().auth.signInWithPassword({ email: address, password: PASSWORD })).error?.code).toBe('invalid_credentials');
    expect((await anon().auth.signInWithPassword({ email: address, password: 'a-brand-new-one' })).error).toBeNull();
  });
});

describe('refresh tokens', () => {
  it('refreshSession rotates the refresh token within the same session', async () => {
    const { client, userId } = await newUser('refresh');
    const before = (await client.auth.getSession()).data.session!;
    const { data, error } = await client.auth.refreshSession();
    expect(error).toBeNull();
    expect(data.session!.refresh_token).not.toBe(before.refresh_token);
    expect(decodeJwt(data.session!.access_token).session_id).toBe(decodeJwt(before.access_token).session_id);
    const { rows } = await db.query(
      'select token, revoked, parent from auth.refresh_tokens where user_id = $1 order by id',
      [userId]
    );
    expect(rows).toEqual([
      { token: before.refresh_token, revoked: true, parent: null },
      { token: data.session!.refresh_token, revoked: false, parent: before.refresh_token }
    ]);
  });

  it('the parent of the live token, presented again, gets the live token back', async () => {
    const { client } = await newUser('refresh-parent');
    const parent = (await client.auth.getSession()).data.session!.refresh_token;
    const child = (await client.auth.refreshSession()).data.session!.refresh_token;
    const { data, error } = await anon().auth.refreshSession({ refresh_token: parent });
    expect(error).toBeNull();
    expect(data.session!.refresh_token).toBe(child);
  });

  it('an old refresh token reused after the 10 s interval fails with refresh_token_already_used and revokes the session', async () => {
    const { client, userId } = await newUser('refresh-reuse');
    const first = (await client.auth.getSession()).data.session!.refresh_token;
    await client.auth.refreshSession();
    await client.auth.refreshSession();
    await new Promise((r) => setTimeout(r, 11_000));
    const { error } = await anon().auth.refreshSession({ refresh_token: first });
    expect(error?.status).toBe(400);
    expect(error?.code).toBe('refresh_token_already_used');
    const { rows } = await db.query('select bool_and(revoked) as all_revoked, count(*) as n from auth.refresh_tokens where user_id = $1', [userId]);
    expect(rows[0]).toEqual({ all_revoked: true, n: '3' });
  }, 40_000);

  it('refreshSession after signOut fails with refresh_token_not_found', async () => {
    const { client } = await newUser('refresh-out');
    const token = (await client.auth.getSession()).data.session!.refresh_token;
    await client.auth.signOut();
    const { error } = await anon().auth.refreshSession({ refresh_token: token });
    expect(error?.status).toBe(400);
    expect(error?.code).toBe('refresh_token_not_found');
  });
});

describe('signOut scopes', () => {
  it('others, local and global delete exactly the matching auth.sessions rows (and the app blacklists them)', async () => {
    const { email: address, client: c1, userId } = await newUser('scopes');
    const c2 = await signedIn(address);
    const c3 = await signedIn(address);
    const [s1, s2, s3] = [await sessionIdOf(c1), await sessionIdOf(c2), await sessionIdOf(c3)];
    expect(await sessionRows(userId)).toEqual([s1, s2, s3]);

    expect((await c1.auth.signOut({ scope: 'others' })).error).toBeNull();
    expect(await sessionRows(userId)).toEqual([s1]);
    expect((await c1.auth.getSession()).data.session).not.toBeNull();

    const c4 = await signedIn(address);
    const s4 = await sessionIdOf(c4);
    expect((await c1.auth.signOut({ scope: 'local' })).error).toBeNull();
    expect(await sessionRows(userId)).toEqual([s4]);
    expect((await c1.auth.getSession()).data.session).toBeNull();

    await signedIn(address);
    expect((await c4.auth.signOut({ scope: 'global' })).error).toBeNull();
    expect(await sessionRows(userId)).toEqual([]);
    const { rows } = await db.query('select count(*) as n from auth.refresh_tokens where user_id = $1', [userId]);
    expect(rows[0].n).toBe('0');

    const blacklisted = await db.query('select token_id from public.token_blacklist where user_id = $1', [userId]);
    expect(blacklisted.rows.map((r) => r.token_id).sort()).toEqual(expect.arrayContaining([s1, s2, s3, s4].sort()));
    expect(blacklisted.rows).toHaveLength(5);
  });
});

describe('after sign-out', () => {
  it('an access token still works on REST until it expires, while Auth refuses it', async () => {
    const fn = `auth_it_probe_uid_${Date.now().toString(36)}`;
    await db.query(`create function public.${fn}() returns uuid language sql stable as 'select auth.uid()'`);
    await db.query(`grant execute on function public.${fn}() to authenticated`);
    try {
      const { client, userId } = await newUser('rest-after-out');
      const token = (await client.auth.getSession()).data.session!.access_token;
      const callRpc = () =>
        fetch(`${stack.apiUrl}/rest/v1/rpc/${fn}`, {
          method: 'POST',
          headers: { apikey: stack.publishableKey, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: '{}'
        });
      // The REST schema cache picks up the new function shortly after it is created.
      let before = await callRpc();
      for (let i = 0; i < 50 && before.status === 404; i++) {
        await new Promise((r) => setTimeout(r, 100));
        before = await callRpc();
      }
      expect(before.status).toBe(200);
      expect(await before.json()).toBe(userId);

      expect((await client.auth.signOut()).error).toBeNull();
      expect(await sessionRows(userId)).toEqual([]);
      const after = await callRpc();
      expect(after.status).toBe(200);
      expect(await after.json()).toBe(userId);
      const auth = await rawFetch('/user', { headers: { Authorization: `Bearer ${token}`, 'X-Supabase-Api-Version': '2024-01-01' } });
      expect(auth.body.code).toBe('session_not_found');
    } finally {
      await db.query(`drop function if exists public.${fn}()`);
    }
  });
});

describe('admin API', () => {
  async function adminRoundTrip(key: string, tag: string): Promise<void> {
    const admin = createClient(stack.apiUrl, key, clientOptions);
    const address = email(tag);
    const created = await admin.auth.admin.createUser({
      email: address, password: PASSWORD, email_confirm: true, user_metadata: { name: 'Ada' }, app_metadata: { plan: 'pro' }
    });
    expect(created.error).toBeNull();
    const user = created.data.user!;
    expect(user.email_confirmed_at).toBeTruthy();
    expect(user.app_metadata).toEqual({ provider: 'email', providers: ['email'], plan: 'pro' });
    expect(user.user_metadata).toEqual({ name: 'Ada', email_verified: true });
    expect((await anon().auth.signInWithPassword({ email: address, password: PASSWORD })).error).toBeNull();

    const dup = await admin.auth.admin.createUser({ email: address, password: PASSWORD });
    expect(dup.error?.code).toBe('email_exists');

    const fetched = await admin.auth.admin.getUserById(user.id);
    expect(fetched.data.user?.email).toBe(address.toLowerCase());
    const updated = await admin.auth.admin.updateUserById(user.id, { user_metadata: { name: null, tier: 2 }, ban_duration: '1h' });
    expect(updated.error).toBeNull();
    expect(updated.data.user?.user_metadata).toEqual({ email_verified: true, tier: 2 });
    expect(updated.data.user?.banned_until).toBeTruthy();
    expect((await anon().auth.signInWithPassword({ email: address, password: PASSWORD })).error?.code).toBe('user_banned');

    const deleted = await admin.auth.admin.deleteUser(user.id);
    expect(deleted.error).toBeNull();
    const { rows } = await db.query(
      `select (select count(*) from auth.users where id = $1) as users, (select count(*) from auth.identities where user_id = $1) as identities,
              (select count(*) from auth.sessions where user_id = $1) as sessions`,
      [user.id]
    );
    expect(rows[0]).toEqual({ users: '0', identities: '0', sessions: '0' });
    const gone = await admin.auth.admin.getUserById(user.id);
    expect(gone.error?.status).toBe(404);
    expect(gone.error?.code).toBe('user_not_found');
  }

  it('createUser / getUserById / updateUserById / deleteUser work with the legacy service_role key', async () => {
    await adminRoundTrip(stack.serviceRoleKey, 'admin-legacy');
  });

  it('the same works with the sb_secret_ key', async () => {
    await adminRoundTrip(stack.secretKey, 'admin-secret');
  });

  it('anon and publishable keys get 403 not_admin', async () => {
    for (const key of [stack.anonKey, stack.publishableKey]) {
      const client = createClient(stack.apiUrl, key, clientOptions);
      const { error } = await client.auth.admin.createUser({ email: email('not-admin'), password: PASSWORD });
      expect(error).toBeInstanceOf(AuthApiError);
      expect(error?.status).toBe(403);
      expect(error?.code).toBe('not_admin');
      expect((await client.auth.admin.listUsers()).error?.code).toBe('not_admin');
    }
  });

  it('listUsers pages with X-Total-Count and Link', async () => {
    const admin = createClient(stack.apiUrl, stack.secretKey, clientOptions);
    await newUser('list-a');
    await newUser('list-b');
    // Other suites may add users meanwhile, so the total is checked against counts taken before and after.
    const count = async () => Number((await db.query("select count(*) as n from auth.users where aud = 'authenticated'")).rows[0].n);
    const low = await count();
    const { data, error } = await admin.auth.admin.listUsers({ page: 1, perPage: 1 });
    const raw = await rawFetch('/admin/users?page=2&per_page=1', { headers: { apikey: stack.secretKey } });
    const high = await count();
    expect(error).toBeNull();
    expect(data.users).toHaveLength(1);
    const total = 'total' in data ? data.total : -1;
    expect(total).toBeGreaterThanOrEqual(low);
    expect(total).toBeLessThanOrEqual(high);
    expect(data).toMatchObject({ nextPage: 2 });
    expect(raw.status).toBe(200);
    expect(raw.body.users).toHaveLength(1);
    expect(Number(raw.headers.get('x-total-count'))).toBeGreaterThanOrEqual(low);
    expect(Number(raw.headers.get('x-total-count'))).toBeLessThanOrEqual(high);
    expect(raw.headers.get('link')).toContain('rel="last"');
    expect(raw.body.aud).toBe('authenticated');
  });
});

describe('tokens and wire format', () => {
  it('access tokens carry exactly the §2.4 claims', async () => {
    const { email: address, userId } = await newUser('claims');
    const { data } = await anon().auth.signInWithPassword({ email: address, password: PASSWORD });
    const token = data.session!.access_token;
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(stack.jwtSecret));
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(Object.keys(payload).sort()).toEqual(
      ['aal', 'amr', 'app_metadata', 'aud', 'email', 'exp', 'iat', 'is_anonymous', 'iss', 'phone', 'role', 'session_id', 'sub', 'user_metadata'].sort()
    );
    expect(payload).toMatchObject({
      iss: `${stack.apiUrl}/auth/v1`, sub: userId, aud: 'authenticated', email: address.toLowerCase(), phone: '',
      app_metadata: { provider: 'email', providers: ['email'] }, role: 'authenticated', aal: 'aal1', is_anonymous: false
    });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(30);
    expect(payload.amr).toEqual([{ method: 'password', timestamp: expect.any(Number) }]);
    expect(data.session!.expires_at).toBe(payload.exp);
    expect(await sessionRows(userId)).toContain(payload.session_id);
  });

  it('errors reach supabase-js as AuthApiError with .code, in both body formats', async () => {
    const { error } = await anon().auth.signInWithPassword({ email: email('nobody'), password: 'whatever1' });
    expect(error).toBeInstanceOf(AuthApiError);
    expect(error?.code).toBe('invalid_credentials');

    const body = { email: 'nobody@example.test', password: 'whatever1' };
    const versioned = await rawFetch('/token?grant_type=password', { method: 'POST', json: body, headers: { 'X-Supabase-Api-Version': '2024-01-01' } });
    expect(versioned.status).toBe(400);
    expect(versioned.body).toEqual({ code: 'invalid_credentials', message: 'Invalid login credentials' });
    expect(versioned.headers.get('x-supabase-api-version')).toBe('2024-01-01');
    expect(versioned.headers.get('x-sb-error-code')).toBe('invalid_credentials');
    expect(versioned.headers.get('access-control-expose-headers')).toMatch(/X-Supabase-Api-Version/i);

    const legacy = await rawFetch('/token?grant_type=password', { method: 'POST', json: body });
    expect(legacy.body).toEqual({ code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' });
    expect(legacy.headers.get('x-supabase-api-version')).toBeNull();
    expect(legacy.headers.get('x-sb-error-code')).toBe('invalid_credentials');
  });

  it('bad input gets stable 4xx codes', async () => {
    const v = { 'X-Supabase-Api-Version': '2024-01-01' };
    const cases: [string, RequestInit & { json?: unknown }, number, string][] = [
      ['/signup', { method: 'POST', body: '{"email":', headers: { ...v, 'Content-Type': 'application/json' } }, 400, 'validation_failed'],
      ['/signup', { method: 'POST', json: { password: PASSWORD }, headers: v }, 400, 'validation_failed'],
      ['/signup', { method: 'POST', json: { email: 'not-an-email', password: PASSWORD }, headers: v }, 400, 'validation_failed'],
      ['/signup', { method: 'POST', json: { email: email('nopw') }, headers: v }, 400, 'validation_failed'],
      ['/signup', { method: 'POST', json: { email: email('weak'), password: '123' }, headers: v }, 422, 'weak_password'],
      ['/token?grant_type=password', { method: 'POST', json: { password: PASSWORD }, headers: v }, 400, 'validation_failed'],
      ['/token?grant_type=password', { method: 'POST', json: { email: 'x@example.test' }, headers: v }, 400, 'validation_failed'],
      ['/user', { headers: { ...v, apikey: '' } }, 401, 'no_authorization'],
      ['/user', { headers: { ...v, Authorization: 'Bearer not.a.jwt' } }, 403, 'bad_jwt'],
      ['/user', { headers: { ...v, Authorization: `Bearer ${stack.anonKey}` } }, 403, 'bad_jwt'],
      ['/logout?scope=everyone', { method: 'POST', headers: { ...v, apikey: '' } }, 401, 'no_authorization'],
      ['/logout', { method: 'POST', headers: v }, 403, 'bad_jwt'],
      ['/nowhere', { headers: v }, 404, 'not_found'],
      ['/admin/users/not-a-uuid', { headers: { ...v, apikey: stack.secretKey } }, 404, 'validation_failed']
    ];
    for (const [path, init, status, code] of cases) {
      const res = await rawFetch(path, init);
      expect({ path, status: res.status, code: res.body?.code }).toEqual({ path, status, code });
    }
    const missing = await rawFetch('/token?grant_type=refresh_token', { method: 'POST', json: {} });
    expect(missing).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: 'refresh_token required' } });
  });

  it('health, settings and an empty JWKS are served', async () => {
    expect((await rawFetch('/health')).status).toBe(200);
    const settings = await rawFetch('/settings');
    expect(settings.body).toMatchObject({ external: { email: true }, mailer_autoconfirm: true, disable_signup: false });
    const jwks = await rawFetch('/.well-known/jwks.json');
    expect(jwks.body).toEqual({ keys: [] });
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=600');
  });

  it('password sign-ins are rate limited per IP and e-mail with 429 over_request_rate_limit', async () => {
    const limit = loadAuthConfig(process.env).signInLimit;
    const target = { email: email('ratelimit'), password: 'whatever1' };
    const statuses: number[] = [];
    for (let i = 0; i <= limit; i++) {
      statuses.push((await rawFetch('/token?grant_type=password', { method: 'POST', json: target })).status);
    }
    expect(statuses.slice(0, limit).every((s) => s === 400)).toBe(true);
    const over = await rawFetch('/token?grant_type=password', { method: 'POST', json: target, headers: { 'X-Supabase-Api-Version': '2024-01-01' } });
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('over_request_rate_limit');
    // Another address from the same client is not affected.
    expect((await rawFetch('/token?grant_type=password', { method: 'POST', json: { ...target, email: email('ratelimit-other') } })).status).toBe(400);
  });
});

describe('fuzzing', () => {
  it('bad JWTs, bad JSON and oversized bodies get 4xx answers and the service keeps serving', async () => {
    const { client } = await newUser('fuzz');
    const good = (await client.auth.getSession()).data.session!.access_token;
    const secret = new TextEncoder().encode(stack.jwtSecret);
    const expired = await new SignJWT({ sub: '00000000-0000-0000-0000-000000000001', role: 'authenticated', aud: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(1_600_000_000).setExpirationTime(1_600_003_600).sign(secret);
    const wrongSecret = await new SignJWT({ sub: '00000000-0000-0000-0000-000000000001', role: 'service_role' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setExpirationTime('1h').sign(new TextEncoder().encode('x'.repeat(40)));
    const ghost = await new SignJWT({ sub: '00000000-0000-0000-0000-000000000001', role: 'authenticated', aud: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setExpirationTime('1h').sign(secret);
    const badSub = await new SignJWT({ sub: 'not-a-uuid', role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setExpirationTime('1h').sign(secret);
    const [h, p] = good.split('.');
    const noneAlg = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
    const jwts = [expired, wrongSecret, ghost, badSub, noneAlg, `${h}.${p}.AAAA`, 'a.b.c', '...', 'x'.repeat(5000), `${h}.e30.${'z'.repeat(43)}`];

    const seed = 1234567;
    let state = seed;
    const rand = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    // Every request here is invalid for its endpoint; half of them are also cut short (a strict prefix of a
    // JSON document is never valid JSON).
    const malformed = ['{', 'null', '[]', '"str"', '42', '['.repeat(20000) + ']'.repeat(20000), Buffer.from([0xff, 0xfe, 0x00, 0x81]).toString('latin1')];
    const service = stack.serviceRoleKey;
    const invalid: [string, string, string | null, string][] = [
      ['POST', '/signup', null, '{"email":{"$ne":1},"password":"secret12"}'],
      ['POST', '/signup', null, '{"email":["a@b.test"],"password":"secret12"}'],
      ['POST', '/signup', null, '{"email":"a\\u0000@b.test","password":"secret12"}'],
      ['POST', '/signup', null, '{"email":"fuzz@b.test","password":"pass\\u0000word"}'],
      ['POST', '/signup', null, '{"email":"fuzz@b.test","password":"secret12","data":"not-an-object"}'],
      ['POST', '/signup', null, `{"email":"fuzz@b.test","password":"${'p'.repeat(100)}"}`],
      ['POST', '/token?grant_type=password', null, '{"email":"a@b.test","password":123456}'],
      ['POST', '/token?grant_type=password', null, '{"email":true,"password":"secret12"}'],
      ['POST', '/token?grant_type=refresh_token', null, '{"refresh_token":{"a":1}}'],
      ['POST', '/token?grant_type=refresh_token', null, `{"refresh_token":"${'r'.repeat(300)}"}`],
      ['POST', '/token?grant_type=magic', null, '{"email":"a@b.test","password":"secret12"}'],
      ['PUT', '/user', good, '{"data":{"k":"\\u0000"}}'],
      ['PUT', '/user', good, '{"data":[1,2]}'],
      ['PUT', '/user', good, '{"email":"not an email"}'],
      ['PUT', '/user', good, '{"password":12345678}'],
      ['PATCH', '/user', good, '{"data":{}}'],
      ['DELETE', '/signup', null, '{}'],
      ['POST', '/admin/users', service, '{"email_confirm":"yes","email":"fuzz-z@b.test"}'],
      ['POST', '/admin/users', service, '{"ban_duration":"forever","email":"fuzz-y@b.test"}'],
      ['POST', '/admin/users', service, '{"id":"nope","email":"fuzz-w@b.test"}'],
      ['POST', '/admin/users', service, '{"user_metadata":[1,2],"email":"fuzz-v@b.test"}'],
      ['POST', '/admin/users', service, '{"password_hash":"plain","email":"fuzz-u@b.test"}'],
      ['POST', '/admin/users', service, '{"user_metadata":{"k":"\\u0000"},"email":"fuzz-t@b.test"}'],
      ['GET', '/admin/users?page=-1', service, ''],
      ['PUT', '/admin/users/00000000-0000-0000-0000-000000000001', service, '{"user_metadata":{}}']
    ];
    const jwtTargets: [string, string][] = [['GET', '/user'], ['PUT', '/user'], ['POST', '/logout'], ['GET', '/admin/users'], ['DELETE', '/admin/users/00000000-0000-0000-0000-000000000001']];

    for (let i = 0; i < 120; i++) {
      let res;
      const kind = i % 3;
      if (kind === 0) {
        const [method, path] = jwtTargets[rand(jwtTargets.length)]!;
        res = await rawFetch(path, { method, headers: { Authorization: `Bearer ${jwts[rand(jwts.length)]}` }, body: method === 'GET' ? undefined : '{}' });
      } else {
        const [method, path, bearer, body] = invalid[rand(invalid.length)]!;
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (bearer) headers.Authorization = `Bearer ${bearer}`;
        let sent = body;
        if (method !== 'GET' && kind === 2) sent = rand(2) === 0 ? malformed[rand(malformed.length)]! : body.slice(0, 1 + rand(Math.max(1, body.length - 1)));
        res = await rawFetch(path, { method, headers, body: method === 'GET' ? undefined : sent });
      }
      expect(res.status, `iteration ${i}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `iteration ${i}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
      expect(typeof res.body === 'object' && res.body !== null, `iteration ${i} answers JSON`).toBe(true);
    }

    const huge = 'x'.repeat(2 * 1024 * 1024);
    const big = await rawFetch('/signup', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: `{"email":"${huge}"}` });
    expect(big.status).toBe(413);
    expect(big.body.error_code).toBe('validation_failed');

    expect((await client.auth.getUser()).error).toBeNull();
    expect((await rawFetch('/health')).status).toBe(200);
  }, 60_000);
});
