-- Verified phone numbers and one-time-code challenges.
begin;
\ir _helpers.psql
select plan(14);

select tests.create_user('11111111-1111-4111-8111-111111111111', 'ada@example.com');
select tests.create_user('22222222-2222-4222-8222-222222222222', 'bob@example.com');

-- The verification service adds numbers.
insert into public.user_phone_numbers (id, user_id, phone_number, country_code, label)
values ('e1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', '+14155550101', 'US', 'Mobile'),
       ('e1111111-1111-4111-8111-222222222222', '11111111-1111-4111-8111-111111111111', '+442071838750', 'GB', 'Work');
insert into public.phone_verifications (user_id, phone_number, code_hash, expires_at)
values ('11111111-1111-4111-8111-111111111111', '+14155550102', 'sha256:abc', now() + interval '10 minutes');

select tests.authenticate_as('11111111-1111-4111-8111-111111111111');

select results_eq(
  $$ select phone_number from public.user_phone_numbers order by phone_number $$,
  $$ values ('+14155550101'), ('+442071838750') $$,
  'The owner reads their verified numbers'
);
select throws_ok(
  $$ insert into public.user_phone_numbers (user_id, phone_number, country_code)
     values ('11111111-1111-4111-8111-111111111111', '+14155550199', 'US') $$,
  '42501', null,
  'A user cannot add a number without verification'
);
select throws_ok(
  $$ update public.user_phone_numbers set phone_number = '+19005550100' $$,
  '42501', null,
  'A user cannot change a verified number into another one'
);
select throws_ok(
  $$ select * from public.phone_verifications $$,
  '42501', null,
  'A user cannot read one-time-code challenges'
);

reset role;
select tests.authenticate_as('22222222-2222-4222-8222-222222222222');
select is_empty($$ select 1 from public.user_phone_numbers $$, 'Another user sees none of the numbers');
select is_empty(
  $$ delete from public.user_phone_numbers where id = 'e1111111-1111-4111-8111-111111111111' returning 1 $$,
  'Another user cannot remove them'
);

reset role;
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.user_phone_numbers $$, '42501', null, 'anon cannot read phone numbers');

reset role;
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select results_eq(
  $$ delete from public.user_phone_numbers where id = 'e1111111-1111-4111-8111-222222222222' returning phone_number $$,
  $$ values ('+442071838750') $$,
  'The owner can remove their own number'
);
reset role;

-- Constraints -----------------------------------------------------------------------------------------------
select throws_ok(
  $$ insert into public.user_phone_numbers (user_id, phone_number, country_code)
     values ('22222222-2222-4222-8222-222222222222', '(415) 555-0100', 'US') $$,
  '23514', null,
  'A number that is not E.164 is rejected'
);
select throws_ok(
  $$ insert into public.user_phone_numbers (user_id, phone_number, country_code)
     values ('22222222-2222-4222-8222-222222222222', '+04155550100', 'US') $$,
  '23514', null,
  'A number whose country code starts with 0 is rejected'
);
select throws_ok(
  $$ insert into public.user_phone_numbers (user_id, phone_number, country_code)
     values ('11111111-1111-4111-8111-111111111111', '+14155550101', 'US') $$,
  '23505', null,
  'The same number cannot be added twice for one user'
);
select throws_ok(
  $$ insert into public.phone_verifications (user_id, phone_number, expires_at)
     values ('22222222-2222-4222-8222-222222222222', '+14155550103', now() + interval '10 minutes') $$,
  '23514', null,
  'A challenge needs a code hash or a provider verification id'
);
select throws_ok(
  $$ update public.phone_verifications set attempts = 6 where user_id = '11111111-1111-4111-8111-111111111111' $$,
  '23514', null,
  'Attempts cannot exceed the maximum'
);
select throws_ok(
  $$ update public.phone_verifications set status = 'approved' where user_id = '11111111-1111-4111-8111-111111111111' $$,
  '23514', null,
  'An approved challenge must say when it was approved'
);

select * from finish();
rollback;
