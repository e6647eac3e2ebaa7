// The demo login `npm start` prints: an ordinary confirmed e-mail user, created the way GoTrue stores one.
import type pg from 'pg';
import { config } from './config.ts';

export const DEMO_EMAIL = config.demoEmail;
export const DEMO_PASSWORD = config.demoPassword;

export async function ensureDemoUser(client: pg.Client): Promise<string> {
  const existing = await client.query<{ id: string }>('select id from auth.users where email = $1', [DEMO_EMAIL]);
  if (existing.rows[0]) return existing.rows[0].id;
  const res = await client.query<{ id: string }>(
    `with u as (
       insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
         raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
       values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', $1,
         extensions.crypt($2, extensions.gen_salt('bf', 10)), now(),
         '{"provider":"email","providers":["email"]}', '{"name":"Demo User"}', now(), now())
       returning id, email
     ), i as (
       insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
       select id::text, id, jsonb_build_object('sub', id::text, 'email', email, 'email_verified', true,
         'phone_verified', false), 'email', now(), now(), now() from u
     )
     select id from u`,
    [DEMO_EMAIL, DEMO_PASSWORD]
  );
  return res.rows[0]!.id;
}
