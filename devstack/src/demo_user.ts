// The demo login `npm start` prints: an ordinary confirmed e-mail user, created the way GoTrue stores one, with a
// verified number, so it has the starting credits and may call from the browser straight away.
import type pg from 'pg';
import { config } from './config.ts';

export const DEMO_EMAIL = config.demoEmail;
export const DEMO_PASSWORD = config.demoPassword;
/** A fictional number (555-01xx): the demo user's verified phone; demo calls reach the Twilio stand-in only. */
export const DEMO_PHONE = '+14155550100';

export async function ensureDemoUser(client: pg.Client): Promise<string> {
  const existing = await client.query<{ id: string }>('select id from auth.users where email = $1', [DEMO_EMAIL]);
  const id = existing.rows[0]?.id ?? (await createDemoUser(client));
  // Verifying the number grants the starting credits (the e-mail is confirmed). If this number already earned them
  // for an earlier demo user on this database, the demo user gets the same amount as a promotion instead.
  await client.query(
    `insert into public.user_phone_numbers (user_id, phone_number, country_code, label) values ($1, $2, 'US', 'Demo')
     on conflict (user_id, phone_number) do nothing`, [id, DEMO_PHONE]);
  await client.query(
    `select private.grant_credits($1, private.starting_credits(), 'promo', $2, null, null, 'Demo credits')
      where not exists (select 1 from public.credit_transactions t where t.user_id = $1 and t.type in ('signup_grant', 'promo_grant'))`,
    [id, `demo_credits:${id}`]);
  return id;
}

async function createDemoUser(client: pg.Client): Promise<string> {
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
