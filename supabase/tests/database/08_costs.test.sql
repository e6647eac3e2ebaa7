-- Provider prices, per-call cost events and their running breakdown.
begin;
\ir _helpers.psql
select plan(29);

select tests.create_user('11111111-1111-4111-8111-111111111111', 'ada@example.com');
select tests.create_user('22222222-2222-4222-8222-222222222222', 'bob@example.com');

insert into public.calls (id, user_id, persona_id, mode, payment_method, max_duration_seconds)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111',
        'a0000000-0000-4000-8000-000000000001', 'browser', 'demo', 300);

-- Seeded prices ---------------------------------------------------------------------------------------------
select set_eq(
  $$ select distinct service from public.service_rates where effective_to is null $$,
  $$ values ('twilio'), ('deepgram'), ('cerebras'), ('openai'), ('elevenlabs') $$,
  'Every provider has a current price'
);
select is_empty(
  $$ select rate_key from public.service_rates where coalesce(source_url, '') = '' or coalesce(notes, '') = '' $$,
  'Every price names its source and when it was checked'
);
select results_eq(
  $$ select unit_price_usd from public.service_rates where service = 'openai' and rate_key = 'gpt-4o-mini_input' $$,
  $$ values (0.00000015::numeric) $$,
  'Per-token prices keep their sub-cent precision'
);

-- Cost events (as the relay) --------------------------------------------------------------------------------
insert into public.call_cost_events (call_id, user_id, service, event_type, model, tokens_input, tokens_output, cost_usd,
                                     idempotency_key, rate_id)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'openai', 'llm_completion',
        'gpt-4o-mini', 1200, 80, 0.000228, 'c1:openai:turn1', 'c0000000-0000-4000-8000-000000000007'),
       ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'openai', 'llm_completion',
        'gpt-4o-mini', 1400, 60, 0.000246, 'c1:openai:turn2', 'c0000000-0000-4000-8000-000000000007');
insert into public.call_cost_events (call_id, user_id, service, event_type, characters, cost_usd, idempotency_key)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'elevenlabs',
        'tts_characters', 140, 0.007, 'c1:elevenlabs:turn1');
insert into public.call_cost_events (call_id, user_id, service, event_type, duration_seconds, cost_usd, idempotency_key)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'deepgram',
        'stt_audio', 12.5, 0.0016041667, 'c1:deepgram:0-12');
-- A retried batch: the duplicate is skipped and must not be counted again.
insert into public.call_cost_events (call_id, user_id, service, event_type, characters, cost_usd, idempotency_key)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'elevenlabs',
        'tts_characters', 140, 0.007, 'c1:elevenlabs:turn1')
on conflict (idempotency_key) do nothing;

select results_eq(
  $$ select openai_usd, elevenlabs_usd, deepgram_usd, twilio_usd, cerebras_usd, total_usd, event_count
     from public.call_cost_breakdowns where call_id = 'c1111111-1111-4111-8111-111111111111' $$,
  $$ values (0.000474::numeric, 0.007::numeric, 0.0016041667::numeric, 0::numeric, 0::numeric,
             0.0090781667::numeric, 4) $$,
  'The breakdown sums each provider''s events exactly, and a retried event is not counted twice'
);
select is(
  (select total_usd from public.call_cost_breakdowns where call_id = 'c1111111-1111-4111-8111-111111111111'),
  (select sum(cost_usd) from public.call_cost_events where call_id = 'c1111111-1111-4111-8111-111111111111'),
  'The breakdown total equals the sum of the events'
);
select results_eq(
  $$ select idempotency_key, calculated_cost_cents from public.call_cost_events
      where call_id = 'c1111111-1111-4111-8111-111111111111' order by idempotency_key $$,
  $$ values ('c1:deepgram:0-12', 0.160416670000::numeric), ('c1:elevenlabs:turn1', 0.700000000000),
            ('c1:openai:turn1', 0.029640000000), ('c1:openai:turn2', 0.031980000000) $$,
  'Each event is billed in cents when recorded: its cost with the rate''s markup (30 % here), none without a rate'
);
select is(
  (select count(*)::int from public.call_cost_events e
     join public.call_cost_breakdowns b on b.id = e.call_cost_breakdown_id and b.call_id = e.call_id
    where e.call_id = 'c1111111-1111-4111-8111-111111111111'),
  4,
  'Each event names the breakdown of its call (call_cost_breakdown_id)'
);

-- Owner ---------------------------------------------------------------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select is(
  (select count(*)::int from public.call_cost_events), 4,
  'The owner reads the cost events of their call'
);
select isnt_empty($$ select 1 from public.call_cost_breakdowns $$, 'The owner reads the breakdown of their call');
select throws_ok(
  $$ insert into public.call_cost_events (call_id, user_id, service, event_type, duration_seconds, cost_usd, idempotency_key)
     values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'deepgram',
             'stt_audio', 1, 0, 'forged') $$,
  '42501', null,
  'A user cannot write cost events'
);
select throws_ok(
  $$ update public.call_cost_breakdowns set twilio_usd = 0, billed_credits = 0 $$,
  '42501', null,
  'A user cannot change a cost breakdown'
);
select throws_ok(
  $$ delete from public.call_cost_events $$,
  '42501', null,
  'A user cannot delete cost events'
);
select throws_ok($$ select notes from public.service_rates $$, '42501', null, 'Users cannot read the admins'' notes on prices (only the price columns)');
select throws_ok(
  $$ update public.service_rates set markup_percent = 0 $$,
  '42501', null,
  'Users cannot change prices or markup'
);
reset role;

select tests.authenticate_as('22222222-2222-4222-8222-222222222222');
select is_empty($$ select 1 from public.call_cost_events $$, 'Another user sees none of the cost events');
select is_empty($$ select 1 from public.call_cost_breakdowns $$, 'Another user sees none of the breakdowns');
reset role;

select tests.authenticate_as_anon();
select throws_ok($$ select * from public.call_cost_events $$, '42501', null, 'anon cannot read cost events');
select throws_ok($$ select * from public.call_cost_breakdowns $$, '42501', null, 'anon cannot read breakdowns');
reset role;

-- Constraints ----------------------------------------------------------------------------------------------
select throws_ok(
  $$ insert into public.call_cost_events (call_id, user_id, service, event_type, characters, cost_usd, idempotency_key)
     values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'elevenlabs',
             'tts_characters', 140, 0.007, 'c1:elevenlabs:turn1') $$,
  '23505', null,
  'A cost event is recorded once per idempotency key'
);
select throws_ok(
  $$ insert into public.call_cost_events (call_id, user_id, service, event_type, duration_seconds, cost_usd, idempotency_key)
     values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'elevenlabs',
             'stt_audio', 3, 0.001, 'k1') $$,
  '23514', null,
  'A provider can only report its own kind of usage'
);
select throws_ok(
  $$ insert into public.call_cost_events (call_id, user_id, service, event_type, cost_usd, idempotency_key)
     values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'openai',
             'llm_completion', 0.001, 'k2') $$,
  '23514', null,
  'An LLM event must carry its token counts'
);
select throws_ok(
  $$ insert into public.call_cost_events (call_id, user_id, service, event_type, duration_seconds, cost_usd, idempotency_key)
     values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'deepgram',
             'stt_audio', 3, -0.001, 'k3') $$,
  '23514', null,
  'A cost cannot be negative'
);
select throws_ok(
  $$ insert into public.call_cost_events (call_id, user_id, service, event_type, duration_seconds, cost_usd, idempotency_key)
     values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'deepgram',
             'stt_audio', -3, 0.001, 'k4') $$,
  '23514', null,
  'Metered seconds cannot be negative'
);
select throws_ok(
  $$ insert into public.call_cost_events (call_id, user_id, service, event_type, duration_seconds, cost_usd, idempotency_key)
     values ('c1111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', 'deepgram',
             'stt_audio', 3, 0.001, 'k5') $$,
  '23503', null,
  'A cost event must belong to the call''s owner'
);
select throws_ok(
  $$ update public.call_cost_events set cost_usd = 0 where call_id = 'c1111111-1111-4111-8111-111111111111' $$,
  '23001', null,
  'Cost events cannot be edited'
);
select throws_ok(
  $$ insert into public.service_rates (service, rate_key, unit, unit_price_usd, effective_from)
     values ('twilio', 'media_streams', 'minute', 0.005, '2026-12-01T00:00:00Z') $$,
  '23P01', null,
  'Two prices for the same item cannot overlap in time'
);
select lives_ok(
  $$ update public.service_rates set effective_to = '2026-12-01T00:00:00Z'
       where service = 'twilio' and rate_key = 'media_streams' and effective_to is null;
     insert into public.service_rates (service, rate_key, unit, unit_price_usd, effective_from)
     values ('twilio', 'media_streams', 'minute', 0.005, '2026-12-01T00:00:00Z') $$,
  'A price change closes the old row and opens a new one'
);
select throws_ok(
  $$ insert into public.service_rates (service, rate_key, unit, unit_price_usd) values ('acme', 'x', 'minute', 1) $$,
  '23514', null,
  'An unknown provider is rejected'
);
select throws_ok(
  $$ insert into public.service_rates (service, rate_key, unit, unit_price_usd, markup_percent)
     values ('openai', 'gpt-x_input', 'token', 0.000001, -5) $$,
  '23514', null,
  'A negative markup is rejected'
);

select * from finish();
rollback;
