-- One calls-per-second pace for call-now and scheduled dials: call-now takes the first free second, steps around
-- scheduled dials already planned, refuses when nothing is free soon enough, and the dispatcher plans after it.
-- Times are pinned far ahead (p_now) so rows of a live stack never mix in.
begin;
\ir _helpers.psql
select plan(9);

select tests.create_user('5d000000-0000-4000-8000-00000000000a', 'pace-a@example.test');
insert into public.user_phone_numbers (id, user_id, phone_number, country_code)
values ('5d100000-0000-4000-8000-00000000000a', '5d000000-0000-4000-8000-00000000000a', '+14155550141', 'US');
create function tests.slot(p_now_offset interval default interval '0', p_max_wait interval default interval '10 seconds')
returns text language sql as $$
  select coalesce((select format('%s %s', to_char(slot at time zone 'UTC', 'HH24:MI:SS'), wait_ms)
                     from private.take_dial_slot(1, p_max_wait, '2041-03-04 08:00:00+00'::timestamptz + p_now_offset)), 'none')
$$;
create function tests.booking(p_id text, p_due interval, p_dial_at interval, p_status public.scheduled_call_status) returns void language sql as $$
  insert into public.scheduled_calls (id, user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time, status, dial_at,
                                      claimed_at)
  values (('5d2' || lpad(p_id, 5, '0') || '-0000-4000-8000-000000000000')::uuid, '5d000000-0000-4000-8000-00000000000a',
          'a0000000-0000-4000-8000-000000000001', '5d100000-0000-4000-8000-00000000000a',
          '2041-03-04 08:00:00+00'::timestamptz + p_due, 'UTC', '08:00', p_status,
          '2041-03-04 08:00:00+00'::timestamptz + p_dial_at, case when p_status = 'claimed' then '2041-03-04 08:00:00+00'::timestamptz end)
$$;

select is(tests.slot(), '08:00:00 0', 'The first call-now dial goes at once');
select is(tests.slot(), '08:00:01 1000', 'The next one waits one step (1 call per second)');
-- A scheduled dial is planned at 08:00:02: the next call-now steps around it.
select tests.booking('1', interval '2 seconds', interval '2 seconds', 'claimed');
select is(tests.slot(), '08:00:03 3000', 'A second planned for a scheduled call is not taken twice');
select is(tests.slot(p_max_wait => interval '2 seconds'), 'none', 'Nothing free within the longest wait: no second is taken');
select is((select to_char(last_slot at time zone 'UTC', 'HH24:MI:SS') from private.dial_pace), '08:00:03', 'and the pacer is unchanged');
select is(tests.slot(interval '1 minute'), '08:01:00 0', 'Once the burst is over, a dial goes at once again');

-- The dispatcher plans after the latest call-now second.
select tests.booking('2', interval '1 minute', null, 'pending');
select is(
  (select to_char(dial_at at time zone 'UTC', 'HH24:MI:SS') from private.claim_due_scheduled_calls(p_limit => 10,
     p_calls_per_second => 1, p_now => '2041-03-04 08:01:00+00', p_user_ids => array['5d000000-0000-4000-8000-00000000000a'::uuid])),
  '08:01:01', 'A scheduled call due with a call-now dial is planned one step after it');

select matches(tests.error_of($$ select private.take_dial_slot(0) $$), '^22023 ', 'A pace of zero is refused');
select tests.authenticate_as('5d000000-0000-4000-8000-00000000000a');
select matches(tests.error_of($$ select * from private.take_dial_slot(1) $$), '^42501 ', 'Users cannot take dial seconds');
reset role;

select * from finish();
rollback;
