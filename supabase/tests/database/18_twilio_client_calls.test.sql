-- Browser calls Twilio carries (Voice SDK): completed by Twilio's status callback like a phone call, with the client
-- leg priced at the client rate plus Media Streams; phone calls keep the outbound rate; the demo softphone's
-- browser calls have no Twilio minutes.
begin;
\ir _helpers.psql
select plan(10);

create function tests.new_call(p_user uuid, p_mode text) returns uuid language sql as $$
  insert into public.calls (user_id, persona_id, mode, phone_number, payment_method, max_duration_seconds, status)
  values (p_user, 'a0000000-0000-4000-8000-000000000001', p_mode,
          case when p_mode = 'phone' then '+14155550100' end, 'credits', 600, 'queued')
  returning id
$$;
create function tests.cb(p_sid text, p_status text, p_seq integer, p_duration integer default null) returns text language sql as $$
  select outcome from private.record_twilio_status(p_sid, p_status, p_seq, p_duration, null, '{}'::jsonb)
$$;
create function tests.twilio_costs(p_call uuid) returns table (event_type text, model text, cost_usd numeric) language sql as $$
  select e.event_type, e.model, e.cost_usd::numeric(20, 6) from public.call_cost_events e
   where e.call_id = p_call and e.service = 'twilio' order by e.event_type
$$;

create temp table t as select tests.create_onboarded_user(gen_random_uuid(), 'client-calls@example.test') as u;
create temp table c as select tests.new_call((select u from t), 'browser') as sdk,
                              tests.new_call((select u from t), 'browser') as soft,
                              tests.new_call((select u from t), 'phone') as phone;
select private.reserve_call_credits((select u from t), (select sdk from c), 100, 'res-sdk');

select is(
  (select format('%s per %s, +%s %%', unit_price_usd::numeric(10, 4), unit, markup_percent::int) from public.service_rates
    where service = 'twilio' and rate_key = 'client_voice_sdk' and effective_to is null),
  '0.0040 per minute, +30 %', 'The Voice SDK client leg has its own current price'
);

-- The TwiML App's Voice URL binds the CallSid and answers the call; the app's status callback reports the end.
update public.calls set twilio_call_sid = 'CA' || repeat('d', 32), status = 'in_progress' where id = (select sdk from c);
select is(tests.cb('CA' || repeat('d', 32), 'completed', 5, 61), 'applied', 'Twilio''s completed callback applies to a browser call bound to its CallSid');
select is(
  (select format('%s %s %s', status, duration_seconds, end_reason) from public.calls where id = (select sdk from c)),
  'completed 61 user_hung_up', 'It completes the call with Twilio''s duration'
);
-- 61 s = 2 started minutes: client leg 2 × $0.004, Media Streams 2 × $0.004
select results_eq(
  $$ select * from tests.twilio_costs((select sdk from c)) $$,
  $$ values ('media_stream_minutes'::text, 'media_streams'::text, 0.008::numeric), ('voice_minutes', 'client_voice_sdk', 0.008) $$,
  'The client leg is priced at the client rate, plus Media Streams'
);
update public.calls set media_ended_at = now() where id = (select sdk from c);
select is(private.settle_finished_call((select sdk from c)), 'settled', 'The call is settled once the relay''s usage is in');
select is(private.settle_finished_call((select sdk from c)), 'already_settled', 'Settling again changes nothing');
select is((select count(*)::int from public.call_cost_events where call_id = (select sdk from c) and service = 'twilio'), 2,
  'Twilio minutes are recorded once, however often they are asked for');
-- ($0.008 + $0.008) × 1.30 = $0.0208 → 3 credits
select is((select actual_cost_cents from public.calls where id = (select sdk from c)), 3, 'Charged at cost plus markup, rounded up');

-- A phone call still bills the outbound leg.
update public.calls set twilio_call_sid = 'CA' || repeat('e', 32) where id = (select phone from c);
select tests.cb('CA' || repeat('e', 32), 'in-progress', 2);
select tests.cb('CA' || repeat('e', 32), 'completed', 3, 30);
select results_eq(
  $$ select * from tests.twilio_costs((select phone from c)) $$,
  $$ values ('media_stream_minutes'::text, 'media_streams'::text, 0.004::numeric), ('voice_minutes', 'voice_outbound_us', 0.014) $$,
  'A phone call keeps the outbound rate'
);

-- The demo softphone's browser call never reaches Twilio: no Twilio minutes.
select private.start_browser_call((select soft from c));
select private.finish_browser_call((select soft from c), 'persona_hung_up', 90);
update public.calls set media_ended_at = now() where id = (select soft from c);
select private.settle_finished_call((select soft from c));
select is((select count(*)::int from public.call_cost_events where call_id = (select soft from c) and service = 'twilio'), 0,
  'A softphone browser call has no Twilio minutes');

select * from finish();
rollback;
