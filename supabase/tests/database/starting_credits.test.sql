-- Starting credits: granted once per verified phone number (not per account), only after the e-mail address is
-- confirmed and a phone number is verified, as one ledger line; a number never earns them twice, even after the
-- account that earned them is deleted.
begin;
\ir _helpers.psql
select plan(28);

create function tests.balance(p_user uuid)
returns bigint language sql as $$ select available_credits from public.user_credits where user_id = p_user $$;
create function tests.grants(p_user uuid)
returns bigint language sql as $$
  select count(*) from public.credit_transactions where user_id = p_user and type = 'signup_grant' $$;

\set ann '''c1111111-1111-4111-8111-111111111111'''
\set bea '''c2222222-2222-4222-8222-222222222222'''
\set cal '''c3333333-3333-4333-8333-333333333333'''
\set dee '''c4444444-4444-4444-8444-444444444444'''

-- Ann signs up; her e-mail is not confirmed yet (the hosted profile asks for confirmation).
insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data)
values (:ann, 'authenticated', 'authenticated', 'ann@example.com', '{"provider":"email","providers":["email"]}', '{}');
select is(tests.balance(:ann), 0::bigint, 'A new account starts with no credits');
select is((select count(*) from public.credit_transactions where user_id = :ann), 0::bigint,
  'and no ledger line');

-- Not before e-mail confirmation --------------------------------------------------------------------------------
select tests.verify_phone(:ann, '+13035550101');
select is(tests.balance(:ann), 0::bigint, 'Verifying a number before the e-mail is confirmed grants nothing');

update auth.users set email_confirmed_at = now() where id = :ann;
select is(tests.balance(:ann), 500::bigint, 'Confirming the e-mail after the number grants the 500 starting credits');
select results_eq(
  $$ select type, amount, balance_after, reserved_after, idempotency_key, description from public.credit_transactions
      where user_id = 'c1111111-1111-4111-8111-111111111111' $$,
  $$ values ('signup_grant', 500::bigint, 500::bigint, 0::bigint, 'signup_grant:+13035550101', 'Welcome credits') $$,
  'as exactly one ledger line keyed by the number');

update auth.users set email_confirmed_at = null where id = :ann;
update auth.users set email_confirmed_at = now() where id = :ann;
select tests.verify_phone(:ann, '+13035550102');
select is(tests.grants(:ann), 1::bigint, 'An account earns the starting credits once, whatever it verifies or confirms again');
select is(private.grant_starting_credits(:ann), null, 'Asking again grants nothing');

-- Not before phone verification ---------------------------------------------------------------------------------
select tests.create_user(:bea, 'bea@example.com');
select is(tests.balance(:bea), 0::bigint, 'A confirmed e-mail without a verified number grants nothing');

-- Once per number, across accounts ----------------------------------------------------------------------------
select tests.verify_phone(:bea, '+13035550101');
select is(tests.balance(:bea), 0::bigint, 'A second account verifying the same number gets nothing');
select is(tests.grants(:bea), 0::bigint, 'and has no signup ledger line');

select is(tests.balance(:bea), 0::bigint, 'The second account keeps its zero balance');

select tests.verify_phone(:bea, '+13035550103');
select is(tests.balance(:bea), 500::bigint, 'A number of its own that never earned them grants the starting credits');
select is((select idempotency_key from public.credit_transactions where user_id = :bea and type = 'signup_grant'),
  'signup_grant:+13035550103', 'keyed by that number');

-- A deleted account's number still counts ---------------------------------------------------------------------
delete from auth.users where id = :ann;
select is((select count(*) from private.signup_grant_numbers where number_hash = private.phone_number_hash('+13035550101')),
  1::bigint, 'The record of a granted number outlives the account');
select is((select count(*) from private.signup_grant_numbers where number_hash like '%+1415%'), 0::bigint,
  'and keeps no readable number');
select tests.create_user(:cal, 'cal@example.com');
select tests.verify_phone(:cal, '+13035550101');
select is(tests.balance(:cal), 0::bigint, 'A number that earned credits for a deleted account earns no more');

-- Confirmation after verification, as the hosted profile does it ----------------------------------------------
insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data)
values (:dee, 'authenticated', 'authenticated', 'dee@example.com', '{"provider":"email","providers":["email"]}', '{}');
select results_eq($$ select * from private.account_verification('c4444444-4444-4444-8444-444444444444') $$,
  $$ values (false, false) $$, 'account_verification: a new account has neither a confirmed e-mail nor a number');
select tests.verify_phone(:dee, '+13035550104');
select results_eq($$ select * from private.account_verification('c4444444-4444-4444-8444-444444444444') $$,
  $$ values (false, true) $$, 'account_verification: number verified, e-mail not confirmed');
select is(tests.balance(:dee), 0::bigint, 'No credits until the e-mail is confirmed');
update auth.users set email_confirmed_at = now() where id = :dee;
select is(tests.balance(:dee), 500::bigint, 'Confirming the e-mail grants them');
select results_eq($$ select * from private.account_verification('c4444444-4444-4444-8444-444444444444') $$,
  $$ values (true, true) $$, 'account_verification: both done');

-- Security ----------------------------------------------------------------------------------------------------
select tests.authenticate_as(:dee);
select throws_ok($$ select * from private.signup_grant_numbers $$, '42501', null,
  'A signed-in user cannot read the granted numbers');
select throws_ok($$ select private.grant_starting_credits('c4444444-4444-4444-8444-444444444444') $$, '42501', null,
  'nor grant starting credits');
reset role;
select tests.authenticate_as_anon();
select throws_ok($$ select private.grant_starting_credits('c4444444-4444-4444-8444-444444444444') $$, '42501', null,
  'A visitor who is not signed in cannot grant starting credits either');
reset role;
set local role service_role;
select is(private.grant_starting_credits('c4444444-4444-4444-8444-444444444444'), null,
  'The service may ask for the grant; an account that has it gets nothing more');
select throws_ok($$ insert into private.signup_grant_numbers (number_hash) values (repeat('a', 64)) $$, '42501', null,
  'The service cannot forge or delete the record of granted numbers by hand');
reset role;

select is((select count(*) from private.ledger_violations()), 0::bigint, 'The ledger explains every balance');
select lives_ok($$ set constraints all immediate $$, 'and the deferred ledger checks pass');

select * from finish();
rollback;
