-- Money has one authority: usage is priced (rate in force, markup, rounding) by private.price_usage, a call's
-- allowance comes from private.call_allowance, the relay's usage goes through private.record_usage, and only
-- private.set_payment_status writes calls.payment_status. The seed's rates carry a 30 % markup.
begin;
\ir _helpers.psql
select plan(40);

-- The stable code of a money error ("quantity_invalid"), or the whole error when it is not one.
create function tests.money_code(p_sql text)
returns text language sql as $$
  select coalesce(substring(e from '^P0001 ([a-z_]+):'), e) from (select tests.error_of(p_sql) as e) x
$$;

-- Pricing ------------------------------------------------------------------------------------------------------
-- Twilio bills per started minute: 61 s is 120 s at $0.014 a minute = $0.028, x 1.3 = 3.64 cents.
select results_eq(
  $$select rate_key, billed_quantity, cost_usd, charge_cents from private.price_usage('twilio', 'call_seconds', 61, 'voice_outbound_us')$$,
  $$values ('voice_outbound_us'::text, 120::numeric, 0.028::numeric, 3.64::numeric)$$,
  'Twilio voice is billed per started minute, with the markup');
-- Audio to the millisecond; the cost rounded UP to 1e-10 USD: 12.346 s x $0.0077 / 60 = 0.001584403(33) -> 0.0015844034.
select results_eq(
  $$select billed_quantity, cost_usd, charge_cents from private.price_usage('deepgram', 'stt_seconds', 12.3456, 'nova-3')$$,
  $$values (12.346::numeric, 0.0015844034::numeric, 0.205972442::numeric)$$,
  'speech-to-text is metered to the millisecond and its cost rounded up to 1e-10 USD before the markup');
select is((select charge_cents from private.price_usage('elevenlabs', 'tts_characters', 1000, 'eleven_flash_v2_5')), 6.5::numeric,
  '1,000 characters at $0.05 per 1,000 are 5 cents, 6.5 with the markup');
select is((select charge_cents from private.price_usage('cerebras', 'llm_input_tokens', 1000000, 'gpt-oss-120b')), 110.5::numeric,
  'a model without its own rate is priced with its service''s rate for that meter');
select is((select rate_id from private.price_usage('deepgram', 'stt_seconds', 60, null, '2020-01-01')), null,
  'usage when no rate is in force is unpriced');
select is((select charge_cents from private.price_usage('deepgram', 'stt_seconds', 60, null, '2020-01-01')), 0::numeric,
  '... and charges nothing');
select is(tests.money_code($$select * from private.price_usage('deepgram', 'stt_seconds', -1)$$), 'quantity_invalid',
  'a negative quantity is refused with a stable code');
select is(private.charge_cents(0.028, 30), 4::bigint, 'whole cents of a cost with markup round up (3.64 -> 4)');

-- A new price: the old row is closed and the new one applies from then on; earlier usage keeps the old price.
update public.service_rates set effective_to = now() + interval '1 hour' where rate_key = 'nova-3_streaming';
insert into public.service_rates (service, rate_key, unit, unit_price_usd, markup_percent, effective_from)
values ('deepgram', 'nova-3_streaming', 'minute', 0.0154, 50, now() + interval '1 hour');
select is((select charge_cents from private.price_usage('deepgram', 'stt_seconds', 60, 'nova-3', now())), 1.001::numeric,
  'usage before a price change is priced at the old rate and markup');
select is((select charge_cents from private.price_usage('deepgram', 'stt_seconds', 60, 'nova-3', now() + interval '2 hours')), 2.31::numeric,
  'usage after it at the new rate and markup');

-- Allowance ----------------------------------------------------------------------------------------------------
select tests.create_onboarded_user('a1111111-1111-4111-8111-111111111111', 'ada@example.com', '{"timezone":"UTC"}');
-- Defaults: 1000 per call, 10000 a month, warn at 75 %, auto cut-off on; 500 sign-up credits.
create function tests.allowance(p_method text, p_seconds int default null)
returns setof record language sql as $$
  select hold_cents, cutoff_cents, warn_cents, max_seconds, binding, refusal
    from private.call_allowance('a1111111-1111-4111-8111-111111111111', p_method, true, p_seconds)
$$;
select results_eq($$select * from tests.allowance('credits', 180) as (h int, c int, w int, s int, b text, r text)$$,
  $$values (22, 22, 17, 180, 'insufficient_credits', null::text)$$,
  'credits: a 3-minute call holds a typical 3 minutes (22), under the balance that binds; warns at 75 %');
update public.user_budget_settings set max_cost_per_call_cents = 8 where user_id = 'a1111111-1111-4111-8111-111111111111';
select results_eq($$select * from tests.allowance('credits') as (h int, c int, w int, s int, b text, r text)$$,
  $$values (8, 8, 6, 120, 'budget_exceeded_per_call', null::text)$$,
  'per call: an 8-cent cap holds 8 and lets the call run 120 s, as long as the line and STT alone could (not 60 s at a typical call''s rate)');
select ok(private.least_call_cents(120, array['voice_outbound_us', 'media_streams']) <= 8
          and private.least_call_cents(121, array['voice_outbound_us', 'media_streams']) > 8,
  'the time limit is where the least a call costs reaches the hold');
update public.user_budget_settings set max_cost_per_call_cents = 5, max_monthly_spend_cents = 5 where user_id = 'a1111111-1111-4111-8111-111111111111';
select results_eq(
  $$select refusal, refusal_message from private.call_allowance('a1111111-1111-4111-8111-111111111111', 'credits', true)$$,
  $$values ('budget_exceeded_per_call'::text, 'Even a one-minute call costs about $0.08, more than your per-call limit of $0.05. Raise the limit in Budget settings.'::text)$$,
  'a per-call cap under a one-minute call refuses with budget_exceeded_per_call (the per-call cap first on a tie)');
update public.user_budget_settings set max_cost_per_call_cents = 1000, max_monthly_spend_cents = 10000 where user_id = 'a1111111-1111-4111-8111-111111111111';
insert into public.calls (user_id, persona_id, mode, payment_method, payment_status, max_duration_seconds, actual_cost_cents, status, ended_at)
values ('a1111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001', 'browser', 'credits', 'settled', 600, 9995, 'completed', now());
select results_eq(
  $$select monthly_remaining_cents, refusal, refusal_message from private.call_allowance('a1111111-1111-4111-8111-111111111111', 'credits', true)$$,
  $$values (5, 'budget_exceeded_monthly'::text, 'Only $0.05 of your monthly limit is left, and a one-minute call costs about $0.08. Raise the limit in Budget settings or wait until next month.'::text)$$,
  'monthly: what is left of the month refuses with budget_exceeded_monthly');
select results_eq($$select * from tests.allowance('demo', 180) as (h int, c int, w int, s int, b text, r text)$$,
  $$values (0, 22, 17, 180, 'budget_exceeded_per_call', null::text)$$,
  'demo: nothing is held and the month does not count; the call may still run up a typical call''s cost');
update public.user_budget_settings set enable_auto_cutoff = false where user_id = 'a1111111-1111-4111-8111-111111111111';
select results_eq(
  $$select monthly_remaining_cents, hold_cents, refusal from private.call_allowance('a1111111-1111-4111-8111-111111111111', 'credits', true, 180)$$,
  $$values (null::integer, 22, null::text)$$,
  'auto cut-off off: the month no longer refuses or limits the call');
update public.user_budget_settings set enable_auto_cutoff = true where user_id = 'a1111111-1111-4111-8111-111111111111';
delete from public.calls where user_id = 'a1111111-1111-4111-8111-111111111111';
update public.user_credits set available_credits = 3 where user_id = 'a1111111-1111-4111-8111-111111111111';
select results_eq(
  $$select refusal, refusal_message from private.call_allowance('a1111111-1111-4111-8111-111111111111', 'credits', true)$$,
  $$values ('insufficient_credits'::text, 'You have 3 credits and a one-minute call costs about 8 credits. Buy a credit pack or pay by card.'::text)$$,
  'credits: a balance under a one-minute call refuses with insufficient_credits');
select results_eq($$select * from tests.allowance('card', 1800) as (h int, c int, w int, s int, b text, r text)$$,
  $$values (219, 219, 165, 1800, 'budget_exceeded_per_call', null::text)$$,
  'card: the balance does not count; a 30-minute call holds its typical cost on the card');
select is((select credits_cents from private.call_allowance('a1111111-1111-4111-8111-111111111111', 'card', true)), null::bigint,
  'card: no credit balance in the allowance');
select is((select max_seconds from private.call_allowance('a1111111-1111-4111-8111-111111111111', 'demo', false, 600)), 600,
  'a softphone call has no line: its time limit is the length asked for');
update public.user_credits set available_credits = 500 where user_id = 'a1111111-1111-4111-8111-111111111111';

-- A placed call: its own hold is its to spend; the month's other spending and holds limit it.
update public.user_budget_settings set max_cost_per_call_cents = 800, max_monthly_spend_cents = 1000 where user_id = 'a1111111-1111-4111-8111-111111111111';
insert into public.calls (id, user_id, persona_id, mode, phone_number, payment_method, payment_status, max_duration_seconds, reserved_credits, estimated_cost_cents, status, created_at)
values ('c1111111-1111-4111-8111-111111111111', 'a1111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001', 'phone', '+14155550100',
        'credits', 'pending', 600, 0, 250, 'in_progress', now() - interval '5 minutes');
select ok((private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c1111111-1111-4111-8111-111111111111', 250, 'reserve:c1')).id is not null,
  'the reservation holds 250 credits for the call');
insert into public.calls (user_id, persona_id, mode, payment_method, payment_status, max_duration_seconds, actual_cost_cents, status, ended_at)
values ('a1111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001', 'browser', 'credits', 'settled', 600, 850, 'completed', now());
select results_eq(
  $$select hold_cents, cutoff_cents, warn_cents, max_seconds from private.call_allowance('a1111111-1111-4111-8111-111111111111', 'credits', true, 600, 'c1111111-1111-4111-8111-111111111111')$$,
  $$values (250, 150, 113, 600)$$,
  'a placed call: 1000 - 850 spent = 150 left of the month cuts off before its 250 hold; warns at 75 % of that');

-- Usage from the relay ---------------------------------------------------------------------------------------
select results_eq(
  $$select charge_cents, cutoff_cents, recorded, unpriced from private.record_usage('c1111111-1111-4111-8111-111111111111',
      '[{"key": "c1:MZ1:1", "service": "elevenlabs", "usage": "tts_characters", "quantity": 1000, "model": "eleven_flash_v2_5"},
        {"key": "c1:MZ1:2", "service": "twilio", "usage": "call_seconds", "quantity": 61, "model": "voice"}]', 61)$$,
  $$values (11.18::numeric, 150, 1, 0)$$,
  'record_usage prices the report (6.5) and counts the line for 61 s (3.64 + 1.04) until Twilio reports it; Twilio usage from the relay is not recorded');
select results_eq(
  $$select charge_cents, recorded from private.record_usage('c1111111-1111-4111-8111-111111111111',
      '[{"key": "c1:MZ1:1", "service": "elevenlabs", "usage": "tts_characters", "quantity": 1000, "model": "eleven_flash_v2_5"}]', 61)$$,
  $$values (11.18::numeric, 0)$$,
  'a repeated report (same key) is not counted twice');
select is((select calculated_cost_cents from public.call_cost_events where idempotency_key = 'c1:MZ1:1'), 6.5::numeric,
  'the event keeps its charge with the markup (calculated_cost_cents)');
update public.user_budget_settings set max_cost_per_call_cents = 10, max_monthly_spend_cents = 1000 where user_id = 'a1111111-1111-4111-8111-111111111111';
select is((select cutoff_cents from private.record_usage('c1111111-1111-4111-8111-111111111111', '[]', 61)), 10,
  'a per-call cap lowered during the call moves the cut-off point the relay gets');
select is(tests.money_code($$select * from private.record_usage('c1111111-1111-4111-8111-111111111111', '{"key": 1}')$$), 'usage_invalid',
  'usage that is not an array is refused with a stable code');
select is(tests.money_code($$select * from private.record_usage('c9999999-1111-4111-8111-111111111111', '[]')$$), 'unknown_call',
  'usage of an unknown call is refused');

-- Settlement charges the events, capped by the hold ------------------------------------------------------------
update public.calls set status = 'completed', ended_at = now(), answered_at = now() - interval '61 seconds', duration_seconds = 61,
       media_ended_at = now() where id = 'c1111111-1111-4111-8111-111111111111';
select is(private.settle_finished_call('c1111111-1111-4111-8111-111111111111'), 'settled', 'the finished call settles');
select results_eq(
  $$select actual_cost_cents, credits_used, payment_status from public.calls where id = 'c1111111-1111-4111-8111-111111111111'$$,
  $$values (12, 12, 'settled'::text)$$,
  'it is charged its events (6.5 + Twilio''s 3.64 + 1.04 = 11.18) rounded up once to 12 cents');
select is((select count(*)::int from private.ledger_violations('a1111111-1111-4111-8111-111111111111')), 0, 'the books balance');

-- One writer of payment_status ----------------------------------------------------------------------------------
select is(
  array(select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname in ('public', 'private') and p.proname <> 'set_payment_status'
           and p.prosrc ~* 'update\s+public\.calls\M[^;]*\mpayment_status\s*='
         order by 1),
  array[]::text[],
  'no function but private.set_payment_status updates calls.payment_status');
select ok(
  (select p.prosrc ~* 'update\s+public\.calls\M[^;]*\mpayment_status\s*=' from pg_proc p where p.proname = 'set_payment_status'),
  'private.set_payment_status does');
select ok(not has_column_privilege('authenticated', 'public.calls', 'payment_status', 'UPDATE'),
  'signed-in users may not update payment_status');
select ok(not has_function_privilege('authenticated', 'private.set_payment_status(uuid, text[], text, integer, integer, text)', 'execute'),
  '... nor call its writer');
select tests.authenticate_as('a1111111-1111-4111-8111-111111111111');
select throws_ok(
  $$update public.calls set payment_status = 'released' where id = 'c1111111-1111-4111-8111-111111111111'$$,
  '42501', null, 'a signed-in user''s direct update of payment_status is refused');
reset role;

-- A placed demo call holds nothing; its cut-off when placed (estimated_cost_cents) stands in for the hold, so a limit
-- raised during the call does not outrun the time limit fixed when it was placed; a limit lowered still ends it sooner.
insert into public.calls (id, user_id, persona_id, mode, payment_method, payment_status, max_duration_seconds, estimated_cost_cents, status)
values ('c3333333-3333-4333-8333-333333333333', 'a1111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001',
        'browser', 'demo', 'pending', 178, 10, 'in_progress');
update public.user_budget_settings set max_cost_per_call_cents = 34 where user_id = 'a1111111-1111-4111-8111-111111111111';
select results_eq(
  $$select hold_cents, cutoff_cents from private.call_allowance('a1111111-1111-4111-8111-111111111111', 'demo', false, 178, 'c3333333-3333-4333-8333-333333333333')$$,
  $$values (0, 10)$$,
  'a demo call placed with a 10 cent cut-off keeps it when the per-call limit is raised to 34 during the call, and holds nothing');
update public.user_budget_settings set max_cost_per_call_cents = 6 where user_id = 'a1111111-1111-4111-8111-111111111111';
select results_eq(
  $$select cutoff_cents from private.call_allowance('a1111111-1111-4111-8111-111111111111', 'demo', false, 178, 'c3333333-3333-4333-8333-333333333333')$$,
  $$values (6)$$,
  'a per-call limit lowered to 6 cents during a demo call ends it sooner');
select is((select cutoff_cents from private.record_usage('c3333333-3333-4333-8333-333333333333', '[]', 1)), 6,
  'the relay reads the same cut-off back from record_usage');

select * from finish();
rollback;
