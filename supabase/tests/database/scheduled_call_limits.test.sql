-- One user cannot crowd out everyone else's scheduled calls: a user's insert request books at most
-- max_rows_per_request rows, a user holds at most max_pending_per_user pending ones, ids are the server's, and the
-- dispatcher claims round-robin across users, so a 1,000-row flood due at the same minute as another user's call
-- does not delay that call. The dispatcher's times are pinned far ahead (p_now) so rows of a live stack never mix in.
begin;
\ir _helpers.psql
select plan(14);

select tests.create_user('5f000000-0000-4000-8000-00000000000a', 'flood-a@example.test');
select tests.create_user('5f000000-0000-4000-8000-00000000000b', 'honest-b@example.test');
insert into public.user_phone_numbers (id, user_id, phone_number, country_code)
values ('5f100000-0000-4000-8000-00000000000a', '5f000000-0000-4000-8000-00000000000a', '+14155550161', 'US'),
       ('5f100000-0000-4000-8000-00000000000b', '5f000000-0000-4000-8000-00000000000b', '+14155550162', 'US');

-- One insert statement (one API request) of p_n bookings for the signed-in user, on their number p_number.
create function tests.book(p_number uuid, p_n integer) returns void language sql as $$
  insert into public.scheduled_calls (persona_id, phone_number_id, scheduled_time, timezone, local_time)
  select 'a0000000-0000-4000-8000-000000000001', p_number, now() + interval '1 day', 'UTC', '07:00'
    from generate_series(1, p_n)
$$;

-- What a user sends through the API -------------------------------------------------------------------------
select tests.authenticate_as('5f000000-0000-4000-8000-00000000000a');
select is(
  tests.error_of($$ select tests.book('5f100000-0000-4000-8000-00000000000a', 1000) $$),
  'P0001 too_many_rows_per_request: Book at most 1 scheduled call per request (this one had 1000).',
  'A request with 1,000 bookings is refused whole'
);
select is((select count(*)::int from public.scheduled_calls), 0, 'and writes nothing');
select matches(
  tests.error_of($$ insert into public.scheduled_calls (id, persona_id, phone_number_id, scheduled_time, timezone, local_time)
                   values ('00000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001',
                           '5f100000-0000-4000-8000-00000000000a', now() + interval '1 day', 'UTC', '07:00') $$),
  '^42501 permission denied',
  'A booking that names its own id is refused: ids are the server''s'
);
select lives_ok($$ select tests.book('5f100000-0000-4000-8000-00000000000a', 1) from generate_series(1, 50) $$, '50 bookings one request at a time are accepted');
select is(
  tests.error_of($$ select tests.book('5f100000-0000-4000-8000-00000000000a', 1) $$),
  'P0001 too_many_pending_calls: You already have 50 upcoming scheduled calls, the most one account may have. '
  'Cancel one or wait until one has rung, then book again.',
  'The 51st pending booking is refused with a sentence the user can act on'
);
select is((select count(*)::int from public.scheduled_calls where status = 'pending'), 50, 'and the user keeps 50');
update public.scheduled_calls set status = 'canceled'
 where id = (select id from public.scheduled_calls order by created_at limit 1);
select lives_ok($$ select tests.book('5f100000-0000-4000-8000-00000000000a', 1) $$, 'Cancelling one frees a place');
reset role;

update private.scheduled_call_limits set max_rows_per_request = 3, max_pending_per_user = 60;
select tests.authenticate_as('5f000000-0000-4000-8000-00000000000b');
select lives_ok(
  $$ select tests.book('5f100000-0000-4000-8000-00000000000b', 3) $$,
  'The operator can raise the limits: 3 rows per request'
);
select matches(
  tests.error_of($$ select tests.book('5f100000-0000-4000-8000-00000000000b', 4) $$),
  '^P0001 too_many_rows_per_request: Book at most 3 scheduled calls per request',
  'and no more'
);
select matches(tests.error_of($$ select * from private.scheduled_call_limits $$), '^42501 ', 'Users cannot read or change the limits');
reset role;

-- The dispatcher is fair --------------------------------------------------------------------------------------
-- Service code is not limited: a flood written directly (as a bug or a compromised service could) must still not
-- delay anyone else. The honest call's id sorts after every flood row, so "oldest first, then by id" claims it last.
delete from public.scheduled_calls
 where user_id in ('5f000000-0000-4000-8000-00000000000a', '5f000000-0000-4000-8000-00000000000b');
select lives_ok(
  $$ insert into public.scheduled_calls (user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time)
     select '5f000000-0000-4000-8000-00000000000a', 'a0000000-0000-4000-8000-000000000001',
            '5f100000-0000-4000-8000-00000000000a', '2042-05-06 09:00:00+00', 'UTC', '09:00' from generate_series(1, 1000) $$,
  'Service code writes 1,000 rows for one user due the same minute'
);
insert into public.scheduled_calls (id, user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time)
values ('ffffffff-ffff-4fff-8fff-ffffffffffff', '5f000000-0000-4000-8000-00000000000b', 'a0000000-0000-4000-8000-000000000001',
        '5f100000-0000-4000-8000-00000000000b', '2042-05-06 09:00:00+00', 'UTC', '09:00');

create temp table first_batch on commit drop as
  select * from private.claim_due_scheduled_calls(p_limit => 100, p_calls_per_second => 1, p_now => '2042-05-06 09:00:00+00',
    p_user_ids => array['5f000000-0000-4000-8000-00000000000a', '5f000000-0000-4000-8000-00000000000b']::uuid[]);
select is(
  (select status || ' ' || to_char(dial_at at time zone 'UTC', 'HH24:MI:SS') from first_batch
    where id = 'ffffffff-ffff-4fff-8fff-ffffffffffff'),
  'claimed 09:00:01',
  'The other user''s call due the same minute is claimed in the first batch and dialled on time: one second per user '
  'with a call due (the flood''s first row takes 09:00:00)'
);
select is(
  (select count(*)::int from first_batch where user_id = '5f000000-0000-4000-8000-00000000000a' and status = 'claimed'),
  90,
  'The flood takes the rest of the batch''s dial seconds, one per second'
);
select is(
  (select count(*)::int from public.scheduled_calls
    where user_id = '5f000000-0000-4000-8000-00000000000a' and scheduled_time = '2042-05-06 09:00:00+00' and status = 'pending'),
  910,
  'and the rest of the flood waits for later runs'
);

select * from finish();
rollback;
