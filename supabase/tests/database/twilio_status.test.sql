-- Twilio status callbacks and settlement: stored once, applied forward only, kept when early, and a finished call
-- settled exactly once whoever asks.
begin;
\ir _helpers.psql
select plan(20);

create function tests.phone_call(p_user uuid, p_sid text, p_method text default 'credits') returns uuid language sql as $$
  insert into public.calls (user_id, persona_id, mode, phone_number, payment_method, max_duration_seconds, twilio_call_sid, status)
  values (p_user, 'a0000000-0000-4000-8000-000000000001', 'phone', '+14155550100', p_method, 600, p_sid, 'queued')
  returning id
$$;
create function tests.cb(p_sid text, p_status text, p_seq integer, p_duration integer default null) returns text language sql as $$
  select outcome from private.record_twilio_status(p_sid, p_status, p_seq, p_duration, null, '{}'::jsonb)
$$;

create temp table t as select tests.create_onboarded_user(gen_random_uuid(), 'status-a@example.test') as u;
create temp table c as
  select tests.phone_call((select u from t), 'CA' || repeat('a', 32)) as id1,
         tests.phone_call((select u from t), 'CA' || repeat('b', 32)) as id2;
select private.reserve_call_credits((select u from t), (select id1 from c), 100, 'res-1');
select private.reserve_call_credits((select u from t), (select id2 from c), 100, 'res-2');

-- SC-01 duplicate delivery
select is(tests.cb('CA' || repeat('a', 32), 'ringing', 1), 'applied', 'A first callback is applied');
select is(tests.cb('CA' || repeat('a', 32), 'ringing', 1), 'duplicate', 'The same signed callback again is a duplicate');
select is((select count(*)::int from public.twilio_status_events where call_sid = 'CA' || repeat('a', 32)), 1, 'It is stored once');

-- SC-03 out of order: completed (3) arrives before in-progress (2)
select is(tests.cb('CA' || repeat('a', 32), 'completed', 3, 61), 'applied', 'completed is applied');
select is(tests.cb('CA' || repeat('a', 32), 'in-progress', 2), 'stale', 'A late in-progress is kept but stale');
select is((select status from public.calls where id = (select id1 from c)), 'completed', 'The call stays completed');
select is((select duration_seconds from public.calls where id = (select id1 from c)), 61, 'Twilio''s duration is recorded');
select is((select end_reason from public.calls where id = (select id1 from c)), 'user_hung_up', 'A completed call ended normally');

-- Twilio minutes: 61 s bills two started minutes of voice and of Media Streams
select results_eq(
  $$ select event_type, cost_usd::numeric(20,6) from public.call_cost_events where call_id = (select id1 from c) order by event_type $$,
  $$ values ('media_stream_minutes'::text, 0.008::numeric(20,6)), ('voice_minutes', 0.028) $$,
  'Completed records voice and Media Streams minutes, per started minute'
);

-- Settlement waits for the relay's usage, then charges once
update public.calls set answered_at = created_at where id = (select id1 from c);
select is(private.settle_finished_call((select id1 from c)), 'waiting_for_media', 'Settlement waits while the relay may still report usage');
update public.calls set media_ended_at = now() where id = (select id1 from c);
select is(private.settle_finished_call((select id1 from c)), 'settled', 'Then the call is settled');
select is(private.settle_finished_call((select id1 from c)), 'already_settled', 'Asking again changes nothing');
-- (0.028 + 0.008) * 1.30 = 0.0468 USD = 4.68 cents, rounded up to 5 credits
select is((select actual_cost_cents from public.calls where id = (select id1 from c)), 5, 'Provider cost plus 30 % markup, rounded up to whole cents');
select is(
  (select format('available=%s reserved=%s', available_credits, reserved_credits) from public.user_credits where user_id = (select u from t)),
  'available=395 reserved=100', 'Only the charge left the balance; the second call is still reserved'
);

-- SC-08 busy: nothing charged, reservation released
select is(tests.cb('CA' || repeat('b', 32), 'busy', 2, 0), 'applied', 'busy is applied');
select is(private.settle_finished_call((select id2 from c)), 'released', 'A call that never connected is released');
select is(
  (select format('available=%s reserved=%s', available_credits, reserved_credits) from public.user_credits where user_id = (select u from t)),
  'available=495 reserved=0', 'Everything reserved for it is back'
);

-- SC-04 callback before the call row knows its CallSid
select is(tests.cb('CA' || repeat('c', 32), 'ringing', 1), 'pending', 'A callback for an unknown CallSid is kept');
insert into public.calls (id, user_id, persona_id, mode, phone_number, payment_method, max_duration_seconds, status)
values ('11111111-2222-4333-8444-555555555555', (select u from t), 'a0000000-0000-4000-8000-000000000001', 'phone', '+14155550100', 'demo', 60, 'queued');
update public.calls set twilio_call_sid = 'CA' || repeat('c', 32) where id = '11111111-2222-4333-8444-555555555555';
select is((select status from public.calls where id = '11111111-2222-4333-8444-555555555555'), 'ringing', 'It is applied when the call learns its CallSid');
select is((select outcome from public.twilio_status_events where call_sid = 'CA' || repeat('c', 32)), 'applied', 'and marked applied');

select * from finish();
rollback;
