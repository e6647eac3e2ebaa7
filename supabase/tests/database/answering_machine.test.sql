-- Answering-machine verdicts: kept once per call, only for the call's own CallSid, visible to its owner only.
begin;
\ir _helpers.psql
select plan(8);

create temp table t as select tests.create_user(gen_random_uuid(), 'amd-a@example.test') as a,
                              tests.create_user(gen_random_uuid(), 'amd-b@example.test') as b;
create temp table c as select 'ca000000-0000-4000-8000-0000000000a1'::uuid as id;
insert into public.calls (id, user_id, persona_id, mode, phone_number, payment_method, max_duration_seconds, twilio_call_sid, status)
values ((select id from c), (select a from t), 'a0000000-0000-4000-8000-000000000001', 'phone', '+14155550100', 'credits', 600,
        'CA' || repeat('d', 32), 'in_progress');
grant select on t, c to authenticated;

select is((select outcome from private.record_answered_by((select id from c), 'CA' || repeat('e', 32), 'machine_end_beep')),
  'unknown_call', 'Another CallSid''s verdict is not pinned on the call');
select is((select answered_by from public.calls where id = (select id from c)), null, 'and nothing is recorded');
select results_eq($$ select outcome, call_status from private.record_answered_by((select id from c), 'CA' || repeat('d', 32), 'machine_end_beep') $$,
  $$ values ('recorded'::text, 'in_progress'::text) $$, 'The first verdict is recorded with the call''s status');
select is((select outcome from private.record_answered_by((select id from c), 'CA' || repeat('d', 32), 'human')),
  'duplicate', 'A later or replayed verdict is a duplicate');
select is((select answered_by from public.calls where id = (select id from c)), 'machine_end_beep', 'and the first verdict stays');

select tests.authenticate_as((select a from t));
select is((select answered_by from public.calls where id = (select id from c)), 'machine_end_beep', 'The owner sees the verdict');
select matches(tests.error_of($$ update public.calls set answered_by = 'human' $$), '^42501 ', 'The owner cannot change it');
reset role;
select tests.authenticate_as((select b from t));
select is((select count(*)::int from public.calls where id = (select id from c)), 0, 'Another user sees nothing of the call');
reset role;

select * from finish();
rollback;
