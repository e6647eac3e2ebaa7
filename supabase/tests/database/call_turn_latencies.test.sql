-- Answer latencies of a call: the owner reads them, nobody else does, and no user writes them.
begin;
\ir _helpers.psql
select plan(8);

select tests.create_user('11111111-1111-4111-8111-111111111111', 'ada@example.com');
select tests.create_user('22222222-2222-4222-8222-222222222222', 'bob@example.com');

insert into public.calls (id, user_id, persona_id, mode, payment_method, payment_status, max_duration_seconds)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111',
        'a0000000-0000-4000-8000-000000000001', 'browser', 'demo', 'pending', 120);

-- As the relay (the database owner): two answers, the second cut off.
insert into public.call_turn_latencies (call_id, user_id, turn, stt_final_ms, llm_first_token_ms, tts_first_byte_ms,
                                        voice_to_voice_ms, interrupted, preemptive, wasted_llm_tokens)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 2, 310, 0, 95, 420, false, true, 0),
       ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 3, 330, 260, 100, 700, true, false, 48);

select throws_ok(
  $$ insert into public.call_turn_latencies (call_id, user_id, turn) values
       ('c1111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', 4) $$,
  '23503', null,
  'A row must name the call''s own owner'
);
select throws_ok(
  $$ insert into public.call_turn_latencies (call_id, user_id, turn, voice_to_voice_ms) values
       ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 5, -1) $$,
  '23514', null,
  'Latencies are never negative'
);

-- Owner -------------------------------------------------------------------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select results_eq(
  $$ select turn, voice_to_voice_ms, interrupted, preemptive from public.call_turn_latencies order by turn $$,
  $$ values (2, 420, false, true), (3, 700, true, false) $$,
  'The owner reads the latencies of their call'
);
select throws_ok(
  $$ insert into public.call_turn_latencies (call_id, user_id, turn) values
       ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 6) $$,
  '42501', null,
  'The owner cannot write latencies (the relay does)'
);
select throws_ok(
  $$ update public.call_turn_latencies set voice_to_voice_ms = 1 $$,
  '42501', null,
  'The owner cannot change latencies'
);

-- Someone else ------------------------------------------------------------------------------------------------
reset role;
select tests.authenticate_as('22222222-2222-4222-8222-222222222222');
select is_empty(
  $$ select 1 from public.call_turn_latencies $$,
  'Another user reads nothing of someone else''s call'
);

-- Not signed in -----------------------------------------------------------------------------------------------
reset role;
select tests.authenticate_as_anon();
select throws_ok(
  $$ select 1 from public.call_turn_latencies $$,
  '42501', null,
  'A visitor who is not signed in cannot read latencies at all'
);
reset role;
select ok(
  (select relrowsecurity from pg_class where oid = 'public.call_turn_latencies'::regclass),
  'Row level security is on'
);

select * from finish();
rollback;
