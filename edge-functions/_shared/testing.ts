// Helpers for handler tests that run against devstack's real Postgres and vendor stand-ins. The test runner passes
// the stack's values (`stack:status -- --json`) as environment variables.
import pg from 'pg';
import { addVerifiedNumber } from '../../devstack/src/testing/fresh_number.ts';
import { projectKeysFrom, requirePublishableKey } from './project_keys.ts';
import type { SessionDeps } from './user_session.ts';

export function stackEnv(name: string): string {
  const v = Deno.env.get(name);
  if (!v) throw new Error(`${name} is not set: run these tests through npm test (it passes the devstack values)`);
  return v;
}

export function testPool(): pg.Pool {
  return new pg.Pool({ connectionString: stackEnv('SUPABASE_DB_URL'), max: 4 });
}

/**
 * Creates an Auth user with a confirmed e-mail (the sign-up trigger creates its profile, an empty balance and budget
 * rows). With `verifiedNumber` it also verifies a fresh number, so it has the starting credits as a person who
 * finished onboarding does.
 */
export async function createUser(db: pg.Pool, tag: string, opts: { verifiedNumber?: boolean } = {}): Promise<{ id: string; email: string }> {
  const email = `${tag}-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const r = await db.query<{ id: string }>(
    `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
     values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', $1, '', now(), '{"provider":"email"}', '{}', now(), now())
     returning id`,
    [email]
  );
  if (opts.verifiedNumber) await addVerifiedNumber(db, r.rows[0]!.id);
  return { id: r.rows[0]!.id, email };
}

/** A signed-in session for `userId` without going through Auth (the session check has its own tests). */
export function sessionFor(userId: string, sessionId = crypto.randomUUID()): { deps: SessionDeps; authorization: string } {
  const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const token = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: userId, role: 'authenticated', session_id: sessionId })}.x`;
  return {
    deps: { fetchUser: (t) => Promise.resolve(t === token ? { id: userId } : null), isBlacklisted: () => Promise.resolve(false) },
    authorization: `Bearer ${token}`
  };
}

/** A real account and session from devstack's Auth (sign-up signs in when e-mail confirmation is off, as in demo mode). */
export async function signUp(tag: string): Promise<{ userId: string; token: string }> {
  const res = await fetch(`${stackEnv('SUPABASE_URL')}/auth/v1/signup`, {
    method: 'POST',
    headers: { apikey: requirePublishableKey(projectKeysFrom()), 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${tag}-${crypto.randomUUID().slice(0, 8)}@example.test`, password: 'a-good-password' })
  });
  const body = (await res.json()) as { access_token?: string; user?: { id: string } };
  if (!res.ok || !body.access_token || !body.user) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(body)}`);
  return { userId: body.user.id, token: body.access_token };
}

/** signUp, then a fresh verified number: the account may call from the browser and has the starting credits. */
export async function signUpOnboarded(db: pg.Pool, tag: string): Promise<{ userId: string; token: string }> {
  const u = await signUp(tag);
  await addVerifiedNumber(db, u.userId);
  return u;
}
