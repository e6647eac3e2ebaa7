-- Scheduled calls: users book and cancel their own; every occurrence rings at most once.
begin;
\ir _helpers.psql
select plan(30);

select tests.create_user('11111111-1111-4111-8111-111111111111', 'ada@example.com');
select tests.create_user('22222222-2222-4222-8222-222222222222', 'bob@example.com');

insert into public.user_phone_numbers (id, user_id, phone_number, country_code)
values ('e1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', '+14155550101', 'US'),
       ('e2222222-2222-4222-8222-222222222222', '22222222-2222-4222-8222-222222222222', '+14155550202', 'US');
insert into public.call_scenario_templates (id, user_id, name, prompt)
values ('d2222222-2222-4222-8222-222222222222', '22222222-2222-4222-8222-222222222222', 'Bob''s secret', 'x');

-- Owner ---------------------------------------------------------------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');

select lives_ok(
  $$ insert into public.scheduled_calls (persona_id, scenario_template_id, phone_number_id, scheduled_time, timezone,
                                         local_time, recurrence)
     values ('a0000000-0000-4000-8000-000000000001',
             'b0000000-0000-4000-8000-000000000001', 'e1111111-1111-4111-8111-111111111111',
             now() + interval '1 day', 'Europe/Berlin', '07:00', 'weekdays') $$,
  'A user can book a call for themselves'
);
-- Ids are the server's (scheduled_call_limits.test.sql); the rest of this file names the booking by a fixed one.
reset role;
update public.scheduled_calls set id = 'f1111111-1111-4111-8111-111111111111'
 where user_id = '11111111-1111-4111-8111-111111111111';
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select results_eq(
  $$ select user_id, status, recurrence from public.scheduled_calls $$,
  $$ values ('11111111-1111-4111-8111-111111111111'::uuid, 'pending'::public.scheduled_call_status, 'weekdays') $$,
  'The owner reads it back, pending'
);
select is(
  (select phone_number from public.scheduled_calls where id = 'f1111111-1111-4111-8111-111111111111'),
  '+14155550101',
  'The booking carries the verified number it rings (phone_number, copied from phone_number_id)'
);
select throws_ok(
  $$ update public.scheduled_calls set phone_number = '+14155550999' where id = 'f1111111-1111-4111-8111-111111111111' $$,
  '42501', null,
  'A user cannot point a booking at a number by hand'
);
select throws_ok(
  $$ insert into public.scheduled_calls (user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time)
     values ('22222222-2222-4222-8222-222222222222', 'a0000000-0000-4000-8000-000000000001',
             'e2222222-2222-4222-8222-222222222222', now() + interval '1 day', 'UTC', '07:00') $$,
  '42501', null,
  'A user cannot book a call for someone else'
);
select throws_ok(
  $$ insert into public.scheduled_calls (persona_id, phone_number_id, scheduled_time, timezone, local_time)
     values ('a0000000-0000-4000-8000-000000000001', 'e2222222-2222-4222-8222-222222222222',
             now() + interval '1 day', 'UTC', '07:00') $$,
  '23503', null,
  'A user cannot book a call to someone else''s number'
);
select throws_ok(
  $$ insert into public.scheduled_calls (persona_id, phone_number_id, scheduled_time, timezone, local_time)
     values ('a0000000-0000-4000-8000-000000000001', 'e1111111-1111-4111-8111-111111111111',
             now() - interval '1 minute', 'UTC', '07:00') $$,
  '42501', null,
  'A call cannot be booked in the past'
);
select throws_ok(
  $$ insert into public.scheduled_calls (persona_id, phone_number_id, scheduled_time, timezone, local_time)
     values ('a0000000-0000-4000-8000-000000000001', null, now() + interval '1 day', 'UTC', '07:00') $$,
  '42501', null,
  'A booking needs a verified number'
);
select throws_ok(
  $$ insert into public.scheduled_calls (persona_id, scenario_template_id, phone_number_id, scheduled_time, timezone, local_time)
     values ('a0000000-0000-4000-8000-000000000001', 'd2222222-2222-4222-8222-222222222222',
             'e1111111-1111-4111-8111-111111111111', now() + interval '1 day', 'UTC', '07:00') $$,
  '42501', null,
  'A booking cannot use someone else''s scenario template'
);
select throws_ok(
  $$ insert into public.scheduled_calls (persona_id, phone_number_id, scheduled_time, timezone, local_time, status)
     values ('a0000000-0000-4000-8000-000000000001', 'e1111111-1111-4111-8111-111111111111',
             now() + interval '1 day', 'UTC', '07:00', 'dispatched') $$,
  '42501', null,
  'A user cannot book a call in any state but pending'
);
select throws_ok(
  $$ insert into public.scheduled_calls (persona_id, phone_number_id, scheduled_time, timezone, local_time, recurrence)
     values ('a0000000-0000-4000-8000-000000000001', 'e1111111-1111-4111-8111-111111111111',
             now() + interval '1 day', 'UTC', '07:00', 'hourly') $$,
  '23514', null,
  'An unknown recurrence is rejected'
);
select throws_ok(
  $$ insert into public.scheduled_calls (persona_id, phone_number_id, scheduled_time, timezone, local_time)
     values ('a0000000-0000-4000-8000-000000000001', 'e1111111-1111-4111-8111-111111111111',
             now() + interval '1 day', 'Berlin', '07:00') $$,
  '23514', null,
  'A time zone must be an IANA name'
);
select throws_ok(
  $$ update public.scheduled_calls set scheduled_time = now() + interval '2 days' $$,
  '42501', null,
  'A user cannot move a booking (cancel and book again instead)'
);
select throws_ok(
  $$ update public.scheduled_calls set status = 'dispatched' $$,
  '42501', null,
  'A user cannot mark a booking dispatched'
);
select throws_ok(
  $$ delete from public.scheduled_calls $$,
  '42501', null,
  'A user cannot delete bookings (they cancel them)'
);
reset role;

-- Other users and anon -------------------------------------------------------------------------------------
select tests.authenticate_as('22222222-2222-4222-8222-222222222222');
select is_empty($$ select 1 from public.scheduled_calls $$, 'Another user sees none of the bookings');
select is_empty(
  $$ update public.scheduled_calls set status = 'canceled' returning 1 $$,
  'Another user cannot cancel them'
);
reset role;
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.scheduled_calls $$, '42501', null, 'anon cannot read bookings');
reset role;

-- Cancelling ------------------------------------------------------------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select results_eq(
  $$ update public.scheduled_calls set status = 'canceled' where id = 'f1111111-1111-4111-8111-111111111111'
     returning status::text, canceled_at is not null $$,
  $$ values ('canceled', true) $$,
  'The owner can cancel a pending booking, and canceled_at is stamped'
);
select is_empty(
  $$ update public.scheduled_calls set status = 'pending' where id = 'f1111111-1111-4111-8111-111111111111' returning 1 $$,
  'A canceled booking cannot be revived'
);
reset role;

-- Dispatcher side -------------------------------------------------------------------------------------------
insert into public.scheduled_calls (id, user_id, series_id, persona_id, phone_number_id, scheduled_time, timezone, local_time)
values ('f2222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111',
        '99999999-9999-4999-8999-999999999999', 'a0000000-0000-4000-8000-000000000001',
        'e1111111-1111-4111-8111-111111111111', '2026-12-01T06:00:00Z', 'Europe/Berlin', '07:00');

select throws_ok(
  $$ insert into public.scheduled_calls (user_id, series_id, persona_id, phone_number_id, scheduled_time, timezone, local_time)
     values ('11111111-1111-4111-8111-111111111111', '99999999-9999-4999-8999-999999999999',
             'a0000000-0000-4000-8000-000000000001', 'e1111111-1111-4111-8111-111111111111',
             '2026-12-01T06:00:00Z', 'Europe/Berlin', '07:00') $$,
  '23505', null,
  'A recurrence creates each occurrence once'
);
select throws_ok(
  $$ update public.scheduled_calls set status = 'missed' where id = 'f2222222-2222-4222-8222-222222222222' $$,
  '23514', null,
  'A missed occurrence must say why'
);
select throws_ok(
  $$ update public.scheduled_calls set status = 'dispatched' where id = 'f2222222-2222-4222-8222-222222222222' $$,
  '23514', null,
  'A dispatched occurrence must point at its call'
);
select lives_ok(
  $$ update public.scheduled_calls set status = 'missed', failure_reason = 'The dispatcher ran 40 minutes late.'
     where id = 'f2222222-2222-4222-8222-222222222222' $$,
  'A missed occurrence with a reason is accepted'
);

insert into public.calls (id, user_id, persona_id, scheduled_call_id, mode, phone_number_id, phone_number,
                          payment_method, max_duration_seconds)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111',
        'a0000000-0000-4000-8000-000000000001', 'f2222222-2222-4222-8222-222222222222', 'phone',
        'e1111111-1111-4111-8111-111111111111', '+14155550101', 'credits', 300);

select throws_ok(
  $$ insert into public.calls (user_id, persona_id, scheduled_call_id, mode, phone_number_id, phone_number,
                               payment_method, max_duration_seconds)
     values ('11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001',
             'f2222222-2222-4222-8222-222222222222', 'phone', 'e1111111-1111-4111-8111-111111111111',
             '+14155550101', 'credits', 300) $$,
  '23505', null,
  'An occurrence produces at most one call'
);
select throws_ok(
  $$ insert into public.calls (user_id, persona_id, scheduled_call_id, mode, payment_method, max_duration_seconds)
     values ('22222222-2222-4222-8222-222222222222', 'a0000000-0000-4000-8000-000000000001',
             'f1111111-1111-4111-8111-111111111111', 'browser', 'demo', 300) $$,
  '23503', null,
  'A call cannot claim another user''s occurrence'
);

select ok(
  (select indexdef like '%(scheduled_time)%WHERE (status = ''pending''::scheduled_call_status)%' from pg_indexes
   where schemaname = 'public' and indexname = 'scheduled_calls_due_idx'),
  'Due pending occurrences are found through a partial index on time'
);

-- Removing the number does not delete the booking; the dispatcher then fails it with a reason.
delete from public.user_phone_numbers where id = 'e1111111-1111-4111-8111-111111111111';
select results_eq(
  $$ select phone_number_id, user_id from public.scheduled_calls where id = 'f2222222-2222-4222-8222-222222222222' $$,
  $$ values (null::uuid, '11111111-1111-4111-8111-111111111111'::uuid) $$,
  'Removing a number clears it from bookings and keeps their owner'
);
select is(
  (select phone_number from public.scheduled_calls where id = 'f2222222-2222-4222-8222-222222222222'),
  '+14155550101',
  'Removing a number keeps the number the booking was made for'
);
select results_eq(
  $$ select phone_number_id, phone_number from public.calls where id = 'c1111111-1111-4111-8111-111111111111' $$,
  $$ values (null::uuid, '+14155550101') $$,
  'Removing a number keeps the dialled number in call history'
);

select * from finish();
rollback;
