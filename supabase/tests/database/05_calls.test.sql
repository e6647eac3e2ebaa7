-- Calls and live transcripts: owners read, only the service writes, status moves forward only.
begin;
\ir _helpers.psql
select plan(41);

select tests.create_user('11111111-1111-4111-8111-111111111111', 'ada@example.com');
select tests.create_user('22222222-2222-4222-8222-222222222222', 'bob@example.com');

insert into public.user_phone_numbers (id, user_id, phone_number, country_code)
values ('e1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', '+14155550101', 'US'),
       ('e2222222-2222-4222-8222-222222222222', '22222222-2222-4222-8222-222222222222', '+14155550202', 'US');

-- As the service: a phone call and a browser call for Ada.
insert into public.calls (id, user_id, persona_id, scenario_template_id, mode, phone_number_id, phone_number,
                          payment_method, payment_status, max_duration_seconds, estimated_cost_cents,
                          reserved_credits, idempotency_key)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111',
        'a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'phone',
        'e1111111-1111-4111-8111-111111111111', '+14155550101', 'credits', 'reserved', 300, 100, 100, 'req-1'),
       ('c1111111-1111-4111-8111-222222222222', '11111111-1111-4111-8111-111111111111',
        'a0000000-0000-4000-8000-000000000002', null, 'browser', null, null, 'demo', 'pending', 120, 0, 0, null);

insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text, start_ms, end_ms)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 0, 'persona', 'Good morning!', 0, 900),
       ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 1, 'user', 'Five more minutes.', 1200, 2500);

-- Owner ---------------------------------------------------------------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');

select results_eq(
  $$ select id from public.calls order by created_at, id $$,
  $$ values ('c1111111-1111-4111-8111-111111111111'::uuid), ('c1111111-1111-4111-8111-222222222222'::uuid) $$,
  'The owner reads their calls'
);
select results_eq(
  $$ select seq, speaker, text from public.call_transcript_segments
     where call_id = 'c1111111-1111-4111-8111-111111111111' order by seq $$,
  $$ values (0, 'persona', 'Good morning!'), (1, 'user', 'Five more minutes.') $$,
  'The owner reads the transcript in order'
);
select throws_ok(
  $$ insert into public.calls (user_id, persona_id, mode, payment_method, max_duration_seconds)
     values ('11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001', 'browser', 'demo', 60) $$,
  '42501', null,
  'A user cannot create call rows (the service does)'
);
select throws_ok(
  $$ update public.calls set actual_cost_cents = 0 where id = 'c1111111-1111-4111-8111-111111111111' $$,
  '42501', null,
  'A user cannot write the actual cost of a call'
);
select throws_ok(
  $$ update public.calls set credits_used = 0, reserved_credits = 0 where id = 'c1111111-1111-4111-8111-111111111111' $$,
  '42501', null,
  'A user cannot write the credits of a call'
);
select throws_ok(
  $$ update public.calls set payment_status = 'settled' where id = 'c1111111-1111-4111-8111-111111111111' $$,
  '42501', null,
  'A user cannot write the payment status of a call'
);
select throws_ok(
  $$ update public.calls set max_duration_seconds = 14400 where id = 'c1111111-1111-4111-8111-111111111111' $$,
  '42501', null,
  'A user cannot extend the maximum duration of a call'
);
select throws_ok(
  $$ update public.calls set status = 'completed' where id = 'c1111111-1111-4111-8111-111111111111' $$,
  '42501', null,
  'A user cannot write the status of a call'
);
select throws_ok(
  $$ delete from public.calls where id = 'c1111111-1111-4111-8111-111111111111' $$,
  '42501', null,
  'A user cannot delete a call'
);
select is_empty(
  $$ update public.calls set user_rating = 5 where id = 'c1111111-1111-4111-8111-111111111111' returning 1 $$,
  'A call still in progress cannot be rated'
);
select throws_ok(
  $$ insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text)
     values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 2, 'persona', 'Forged') $$,
  '42501', null,
  'A user cannot write transcript lines'
);
reset role;

-- Status moves forward only --------------------------------------------------------------------------------
update public.calls set status = 'ringing' where id = 'c1111111-1111-4111-8111-111111111111';
update public.calls set status = 'in_progress' where id = 'c1111111-1111-4111-8111-111111111111';
select isnt(
  (select answered_at from public.calls where id = 'c1111111-1111-4111-8111-111111111111'), null,
  'Reaching in_progress stamps answered_at'
);
select throws_ok(
  $$ update public.calls set status = 'ringing' where id = 'c1111111-1111-4111-8111-111111111111' $$,
  '23514', null,
  'A late ringing callback cannot move an answered call backwards'
);
update public.calls set status = 'completed', end_reason = 'user_hung_up', duration_seconds = 95
where id = 'c1111111-1111-4111-8111-111111111111';
select isnt(
  (select ended_at from public.calls where id = 'c1111111-1111-4111-8111-111111111111'), null,
  'Reaching a terminal status stamps ended_at'
);
select throws_ok(
  $$ update public.calls set status = 'failed' where id = 'c1111111-1111-4111-8111-111111111111' $$,
  '23514', null,
  'A finished call cannot change its final status'
);
select throws_ok(
  $$ update public.calls set end_reason = 'time_limit' where id = 'c1111111-1111-4111-8111-222222222222' $$,
  '23514', null,
  'A call that has not ended cannot have an end reason'
);

select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select results_eq(
  $$ update public.calls set user_rating = 5, user_feedback = 'Woke me up!'
     where id = 'c1111111-1111-4111-8111-111111111111' returning user_rating::int $$,
  $$ values (5) $$,
  'The owner can rate a finished call'
);
reset role;

-- Other users and anon -------------------------------------------------------------------------------------
select tests.authenticate_as('22222222-2222-4222-8222-222222222222');
select is_empty($$ select 1 from public.calls $$, 'Another user sees none of the calls');
select is_empty($$ select 1 from public.call_transcript_segments $$, 'Another user sees none of the transcript');
select is_empty(
  $$ update public.calls set user_rating = 1 where id = 'c1111111-1111-4111-8111-111111111111' returning 1 $$,
  'Another user cannot rate someone else''s call'
);
reset role;

select tests.authenticate_as_anon();
select throws_ok($$ select * from public.calls $$, '42501', null, 'anon cannot read calls');
select throws_ok($$ select * from public.call_transcript_segments $$, '42501', null, 'anon cannot read transcripts');
reset role;

-- Constraints ----------------------------------------------------------------------------------------------
create function tests.insert_call(p_overrides jsonb)
returns void language plpgsql as $$
begin
  insert into public.calls
  select * from jsonb_populate_record(null::public.calls,
    jsonb_build_object(
      'id', gen_random_uuid(), 'user_id', '22222222-2222-4222-8222-222222222222',
      'persona_id', 'a0000000-0000-4000-8000-000000000001', 'mode', 'phone',
      'phone_number_id', 'e2222222-2222-4222-8222-222222222222', 'phone_number', '+14155550202',
      'status', 'created', 'payment_method', 'credits', 'payment_status', 'pending',
      'max_duration_seconds', 300, 'estimated_cost_cents', 0, 'reserved_credits', 0, 'credits_used', 0,
      'created_at', now(), 'updated_at', now()) || p_overrides);
end;
$$;

select lives_ok($$ select tests.insert_call('{}') $$, 'A well-formed call is accepted (baseline for the checks below)');
select throws_ok($$ select tests.insert_call('{"status": "exploded"}') $$, '22P02', null, 'An unknown call status is rejected by its type');
select throws_ok($$ select tests.insert_call('{"mode": "fax"}') $$, '23514', null, 'An unknown call mode is rejected');
select throws_ok($$ select tests.insert_call('{"phone_number": null, "phone_number_id": null}') $$, '23514', null,
  'A phone call needs a number');
select throws_ok($$ select tests.insert_call('{"phone_number": "14155550202"}') $$, '23514', null,
  'A dialled number must be E.164');
select throws_ok($$ select tests.insert_call('{"mode": "browser", "phone_number": null}') $$, '23514', null,
  'A browser call cannot point at a phone number');
select throws_ok($$ select tests.insert_call('{"phone_number_id": "e1111111-1111-4111-8111-111111111111"}') $$, '23503', null,
  'A call cannot dial another user''s verified number');
select throws_ok($$ select tests.insert_call('{"estimated_cost_cents": -1}') $$, '23514', null,
  'A negative estimate is rejected');
select throws_ok($$ select tests.insert_call('{"actual_cost_cents": -5}') $$, '23514', null,
  'A negative actual cost is rejected');
select throws_ok($$ select tests.insert_call('{"max_duration_seconds": 0}') $$, '23514', null,
  'A call needs a positive maximum duration');
select throws_ok($$ select tests.insert_call('{"twilio_call_sid": "not-a-sid"}') $$, '23514', null,
  'A Twilio CallSid must look like one');
select throws_ok(
  $$ select tests.insert_call('{"payment_method": "card", "payment_status": "authorized"}') $$, '23514', null,
  'A card payment that is authorized needs its PaymentIntent');
select throws_ok($$ select tests.insert_call('{"payment_status": "paid_maybe"}') $$, '23514', null,
  'An unknown payment status is rejected');
select lives_ok($$ select tests.insert_call('{"idempotency_key": "req-1"}') $$,
  'Idempotency keys are per user (another user may reuse one)');
select throws_ok($$ select tests.insert_call('{"idempotency_key": "req-1"}') $$, '23505', null,
  'The same call request from the same user is placed once');

select throws_ok(
  $$ insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text)
     values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 1, 'user', 'Duplicate') $$,
  '23505', null,
  'A transcript line number is used once per call'
);
select throws_ok(
  $$ insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text)
     values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 5, 'narrator', 'Hi') $$,
  '23514', null,
  'An unknown speaker is rejected'
);
select throws_ok(
  $$ insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text)
     values ('c1111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', 6, 'user', 'Hi') $$,
  '23503', null,
  'A transcript line must belong to the call''s owner'
);
select throws_ok(
  $$ insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text, start_ms, end_ms)
     values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 7, 'user', 'Hi', 500, 100) $$,
  '23514', null,
  'A transcript line cannot end before it starts'
);

select * from finish();
rollback;
