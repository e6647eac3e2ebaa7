-- Accounts: the sign-up trigger, profiles, revoked sessions and account deletion.
begin;
\ir _helpers.psql
select plan(28);

select tests.create_user('11111111-1111-4111-8111-111111111111', 'Ada@Example.com',
                         '{"name":"Ada Lovelace","timezone":"Europe/London"}');
select tests.create_user('22222222-2222-4222-8222-222222222222', 'bob@example.com',
                         '{"timezone":"Mars/Olympus_Mons"}');

-- Sign-up trigger ------------------------------------------------------------------------------------------
select results_eq(
  $$ select email, name, timezone from public.users where id = '11111111-1111-4111-8111-111111111111' $$,
  $$ values ('ada@example.com', 'Ada Lovelace', 'Europe/London') $$,
  'Sign-up creates the profile with the lower-cased email, name and time zone from the sign-up data'
);

select is(
  (select timezone from public.users where id = '22222222-2222-4222-8222-222222222222'),
  'UTC',
  'An unknown time zone in the sign-up data falls back to UTC instead of failing the sign-up'
);

select results_eq(
  $$ select available_credits, reserved_credits from public.user_credits
     where user_id = '11111111-1111-4111-8111-111111111111' $$,
  $$ values (0::bigint, 0::bigint) $$,
  'Sign-up creates an empty balance: the starting credits wait for a verified phone number'
);

select is(
  (select count(*) from public.credit_transactions where user_id = '11111111-1111-4111-8111-111111111111'),
  0::bigint,
  'Sign-up writes no ledger row (starting_credits.test.sql covers the grant)'
);

select results_eq(
  $$ select max_cost_per_call_cents, max_monthly_spend_cents, warn_at_percent_per_call, enable_auto_cutoff from public.user_budget_settings
     where user_id = '11111111-1111-4111-8111-111111111111' $$,
  $$ values (1000, 10000, 75, true) $$,
  'Sign-up creates budget settings with the defaults'
);

insert into auth.users (id, aud, role, is_anonymous, raw_app_meta_data, raw_user_meta_data)
values ('55555555-5555-4555-8555-555555555555', 'authenticated', 'authenticated', true, '{}', '{}');
select results_eq(
  $$ select c.available_credits, (select count(*) from public.credit_transactions t where t.user_id = c.user_id)
     from public.user_credits c where c.user_id = '55555555-5555-4555-8555-555555555555' $$,
  $$ values (0::bigint, 0::bigint) $$,
  'An anonymous sign-in gets a profile and balance but no demo credits'
);

select lives_ok(
  $$ set constraints all immediate $$,
  'The sign-up rows satisfy the deferred ledger check'
);
set constraints all deferred;

update auth.users set email = 'ada.new@example.com' where id = '11111111-1111-4111-8111-111111111111';
select is(
  (select email from public.users where id = '11111111-1111-4111-8111-111111111111'),
  'ada.new@example.com',
  'An email change in Auth is copied to the profile'
);

-- Owner access ----------------------------------------------------------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');

select results_eq(
  $$ select id from public.users $$,
  $$ values ('11111111-1111-4111-8111-111111111111'::uuid) $$,
  'A user sees only their own profile'
);

select lives_ok(
  $$ update public.users set name = 'Ada King', timezone = 'America/New_York'
     where id = '11111111-1111-4111-8111-111111111111' $$,
  'A user can change their name and time zone'
);

select results_eq(
  $$ select name, timezone from public.users $$,
  $$ values ('Ada King', 'America/New_York') $$,
  'The change is stored'
);

select throws_ok(
  $$ update public.users set stripe_customer_id = 'cus_Stolen' where id = '11111111-1111-4111-8111-111111111111' $$,
  '42501', null,
  'A user cannot set their Stripe customer id'
);

select throws_ok(
  $$ update public.users set email = 'x@example.com' where id = '11111111-1111-4111-8111-111111111111' $$,
  '42501', null,
  'A user cannot change the email copy (Auth owns it)'
);

select throws_ok(
  $$ update public.users set phone = '+14155550100' where id = '11111111-1111-4111-8111-111111111111' $$,
  '42501', null,
  'A user cannot set an unverified phone number on their profile'
);

select throws_ok(
  $$ delete from public.users where id = '11111111-1111-4111-8111-111111111111' $$,
  '42501', null,
  'A user cannot delete their profile directly'
);

select throws_ok(
  $$ insert into public.users (id, email) values (gen_random_uuid(), 'forged@example.com') $$,
  '42501', null,
  'A user cannot create profiles'
);

select throws_ok(
  $$ update public.users set timezone = 'EST5EDT' where id = '11111111-1111-4111-8111-111111111111' $$,
  '23514', null,
  'A time zone that is not an IANA name is rejected'
);

-- Second user -----------------------------------------------------------------------------------------------
reset role;
select tests.authenticate_as('22222222-2222-4222-8222-222222222222');

select results_eq(
  $$ select count(*) from public.users where id = '11111111-1111-4111-8111-111111111111' $$,
  $$ values (0::bigint) $$,
  'Another user cannot see the profile'
);

select is_empty(
  $$ update public.users set name = 'Hacked' where id = '11111111-1111-4111-8111-111111111111' returning id $$,
  'Another user cannot update the profile'
);

-- Anonymous -------------------------------------------------------------------------------------------------
reset role;
select tests.authenticate_as_anon();

select throws_ok(
  $$ select * from public.users $$,
  '42501', null,
  'anon cannot read profiles'
);

reset role;

-- Constraints (as the service) -------------------------------------------------------------------------------
select throws_ok(
  $$ update public.users set phone = '4155550100' where id = '22222222-2222-4222-8222-222222222222' $$,
  '23514', null,
  'A phone number without + and country code is rejected'
);

select throws_ok(
  $$ update public.users set name = '   ' where id = '22222222-2222-4222-8222-222222222222' $$,
  '23514', null,
  'A blank name is rejected'
);

select throws_ok(
  $$ update public.users set stripe_customer_id = 'acct_123' where id = '22222222-2222-4222-8222-222222222222' $$,
  '23514', null,
  'A Stripe id that is not a customer id is rejected'
);

-- Revoked sessions ------------------------------------------------------------------------------------------
insert into auth.sessions (id, user_id, created_at, updated_at)
values ('33333333-3333-4333-8333-333333333333', '11111111-1111-4111-8111-111111111111', now(), now());
delete from auth.sessions where id = '33333333-3333-4333-8333-333333333333';

select results_eq(
  $$ select user_id, expires_at = now() + interval '1 hour' from public.token_blacklist
     where token_id = '33333333-3333-4333-8333-333333333333' $$,
  $$ values ('11111111-1111-4111-8111-111111111111'::uuid, true) $$,
  'Deleting a session blacklists its id until the access token expires (one hour)'
);

select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select throws_ok(
  $$ select * from public.token_blacklist $$,
  '42501', null,
  'Users cannot read the token blacklist'
);
reset role;

-- Account deletion ------------------------------------------------------------------------------------------
insert into auth.sessions (id, user_id, created_at, updated_at)
values ('44444444-4444-4444-8444-444444444444', '22222222-2222-4222-8222-222222222222', now(), now());
delete from auth.users where id = '22222222-2222-4222-8222-222222222222';

select is_empty(
  $$ select 1 from public.users where id = '22222222-2222-4222-8222-222222222222'
     union all select 1 from public.user_credits where user_id = '22222222-2222-4222-8222-222222222222'
     union all select 1 from public.credit_transactions where user_id = '22222222-2222-4222-8222-222222222222'
     union all select 1 from public.user_budget_settings where user_id = '22222222-2222-4222-8222-222222222222' $$,
  'Deleting an account erases its profile, balance, ledger and budget'
);

select isnt_empty(
  $$ select 1 from public.token_blacklist where token_id = '44444444-4444-4444-8444-444444444444' $$,
  'The deleted account''s sessions stay blacklisted'
);

select lives_ok(
  $$ set constraints all immediate $$,
  'Account deletion leaves no deferred constraint violated'
);

select * from finish();
rollback;
