-- One maximum call length (30 minutes) held by every table that asks for a call length.
begin;
\ir _helpers.psql
select plan(8);

select tests.create_user('3a000000-0000-4000-8000-00000000000a', 'max-length@example.test');
insert into public.user_phone_numbers (id, user_id, phone_number, country_code)
values ('3a100000-0000-4000-8000-00000000000a', '3a000000-0000-4000-8000-00000000000a', '+14155550151', 'US');

select is(private.max_call_seconds(), 1800, 'The longest call is 30 minutes');

select lives_ok($$ insert into public.calls (user_id, persona_id, mode, phone_number_id, phone_number, payment_method, max_duration_seconds)
  values ('3a000000-0000-4000-8000-00000000000a', 'a0000000-0000-4000-8000-000000000001', 'phone',
          '3a100000-0000-4000-8000-00000000000a', '+14155550151', 'credits', 1800) $$,
  'A call may last the full 30 minutes');
select throws_ok($$ insert into public.calls (user_id, persona_id, mode, phone_number_id, phone_number, payment_method, max_duration_seconds)
  values ('3a000000-0000-4000-8000-00000000000a', 'a0000000-0000-4000-8000-000000000001', 'phone',
          '3a100000-0000-4000-8000-00000000000a', '+14155550151', 'credits', 1801) $$,
  '23514', null, 'A call longer than 30 minutes is refused');

select lives_ok($$ insert into public.call_scenario_templates (user_id, name, prompt, default_max_duration_seconds)
  values ('3a000000-0000-4000-8000-00000000000a', 'Half hour', 'Talk.', 1800) $$, 'A scenario may ask for 30 minutes');
select throws_ok($$ insert into public.call_scenario_templates (user_id, name, prompt, default_max_duration_seconds)
  values ('3a000000-0000-4000-8000-00000000000a', 'Hour', 'Talk.', 3600) $$,
  '23514', null, 'A scenario asking for an hour is refused');

select lives_ok($$ insert into public.scheduled_calls (user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time, max_duration_seconds)
  values ('3a000000-0000-4000-8000-00000000000a', 'a0000000-0000-4000-8000-000000000001', '3a100000-0000-4000-8000-00000000000a',
          now() + interval '1 day', 'UTC', '08:00', 1800) $$, 'A scheduled call may ask for 30 minutes');
select throws_ok($$ insert into public.scheduled_calls (user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time, max_duration_seconds)
  values ('3a000000-0000-4000-8000-00000000000a', 'a0000000-0000-4000-8000-000000000001', '3a100000-0000-4000-8000-00000000000a',
          now() + interval '1 day', 'UTC', '08:00', 2400) $$,
  '23514', null, 'A scheduled call asking for 40 minutes is refused');

select is((select count(*)::int from public.call_scenario_templates where default_max_duration_seconds > 1800), 0,
  'No scenario asks for more than 30 minutes');

select * from finish();
rollback;
