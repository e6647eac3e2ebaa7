-- A browser call's connect deadline, the voicemail message in the transcript and how a booking is paid: the
-- functions are the service's only, and do what they say once.
begin;
\ir _helpers.psql
select plan(12);

select tests.create_user('11111111-1111-4111-8111-111111111111', 'ada@example.com');
insert into public.user_phone_numbers (id, user_id, phone_number, country_code)
values ('e1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', '+14155550101', 'US');
insert into public.calls (id, user_id, persona_id, mode, status, payment_method, max_duration_seconds, estimated_cost_cents, created_at, dialed_at)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001',
        'browser', 'queued', 'demo', 300, 45, now() - interval '3 minutes', now() - interval '3 minutes'),
       ('c2222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001',
        'browser', 'queued', 'demo', 300, 45, now() - interval '30 seconds', now() - interval '30 seconds');

-- Users -----------------------------------------------------------------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select throws_ok($$ select private.cancel_unconnected_browser_calls() $$, '42501', null,
  'A user cannot run the sweep that cancels unconnected browser calls');
select throws_ok($$ select private.record_voicemail_message('c1111111-1111-4111-8111-111111111111', 'hi') $$, '42501', null,
  'A user cannot write a voicemail message into a transcript');
select lives_ok(
  $$ insert into public.scheduled_calls (persona_id, phone_number_id, scheduled_time, timezone, local_time, recurrence, max_duration_seconds, payment_method)
     values ('a0000000-0000-4000-8000-000000000001', 'e1111111-1111-4111-8111-111111111111', now() + interval '1 day',
             'Europe/Berlin', '07:00', 'daily', 120, 'card') $$,
  'A user books a call with its longest length and how it is paid');
select throws_ok(
  $$ insert into public.scheduled_calls (persona_id, phone_number_id, scheduled_time, timezone, local_time, payment_method)
     values ('a0000000-0000-4000-8000-000000000001', 'e1111111-1111-4111-8111-111111111111', now() + interval '1 day',
             'Europe/Berlin', '07:00', 'cash') $$,
  '23514', null, 'A payment method that does not exist is refused');

-- Service ---------------------------------------------------------------------------------------------------
reset role;
select ok(private.browser_call_unconnected(c), 'A browser call queued for three minutes has missed its connect deadline')
  from public.calls c where c.id = 'c1111111-1111-4111-8111-111111111111';
select ok(not private.browser_call_unconnected(c), 'One queued for thirty seconds has not')
  from public.calls c where c.id = 'c2222222-2222-4222-8222-222222222222';
select results_eq($$ select * from private.cancel_unconnected_browser_calls() $$,
  $$ values ('c1111111-1111-4111-8111-111111111111'::uuid) $$, 'The sweep cancels only the one past its deadline');
select results_eq($$ select status::text, end_reason::text from public.calls where id = 'c1111111-1111-4111-8111-111111111111' $$,
  $$ values ('canceled', 'canceled') $$, 'It is cancelled, to be settled (released) by the caller');
select is((select count(*)::int from private.cancel_unconnected_browser_calls()), 0, 'A second sweep finds nothing');

select private.record_voicemail_message('c1111111-1111-4111-8111-111111111111', 'Hi, it''s Brad. Talk soon!');
select private.record_voicemail_message('c1111111-1111-4111-8111-111111111111', 'Hi, it''s Brad. Talk soon!');
select results_eq($$ select speaker, text from public.call_transcript_segments where call_id = 'c1111111-1111-4111-8111-111111111111' $$,
  $$ values ('persona', 'Hi, it''s Brad. Talk soon!') $$, 'The voicemail message is kept once as the persona''s line');

select is(private.schedule_next_occurrence(s.id, s.scheduled_time + interval '1 day') is not null, true,
  'The next occurrence of the daily booking is created')
  from public.scheduled_calls s where s.user_id = '11111111-1111-4111-8111-111111111111';
select results_eq($$ select payment_method, max_duration_seconds from public.scheduled_calls
                     where user_id = '11111111-1111-4111-8111-111111111111' and previous_id is not null $$,
  $$ values ('card', 120) $$, 'It keeps how the booking is paid and its longest length');

select * from finish();
rollback;
