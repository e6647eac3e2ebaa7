-- Every check and exclusion constraint of the data model, each shown rejecting a bad value on an otherwise valid
-- row. The last assertion fails when a constraint is added to one of these tables without a case here.
begin;
\ir _helpers.psql

-- Runs a statement and reports which constraint stopped it ("<SQLSTATE> <constraint>").
create function tests.violated_constraint(p_sql text)
returns text language plpgsql as $$
declare
  v_state text;
  v_name  text;
begin
  execute p_sql;
  -- Accepted: undo it anyway, so a case that wrongly passes cannot disturb the next one.
  raise exception 'accepted' using errcode = 'P0099';
exception when others then
  get stacked diagnostics v_state = returned_sqlstate, v_name = constraint_name;
  if v_state = 'P0099' then
    return '(accepted)';
  end if;
  return v_state || ' ' || coalesce(nullif(v_name, ''), '(' || sqlerrm || ')');
end;
$$;

-- Valid rows for the statements below to break (as the service).
select tests.create_user('11111111-1111-4111-8111-111111111111', 'ada@example.com');
insert into public.user_persona_relationships (id, user_id, persona_id)
values ('71111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001');
insert into public.call_scenario_templates (id, user_id, name, prompt)
values ('d1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'Mine', 'Remind me.');
insert into public.user_phone_numbers (id, user_id, phone_number, country_code)
values ('e1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', '+14155550101', 'US');
insert into public.phone_verifications (id, user_id, phone_number, code_hash, expires_at)
values ('61111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', '+14155550102', 'h',
        now() + interval '10 minutes');
insert into public.calls (id, user_id, persona_id, mode, phone_number_id, phone_number, payment_method, max_duration_seconds)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111',
        'a0000000-0000-4000-8000-000000000001', 'phone', 'e1111111-1111-4111-8111-111111111111', '+14155550101',
        'credits', 300);
insert into public.calls (id, user_id, persona_id, mode, payment_method, max_duration_seconds, status)
values ('c2222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111',
        'a0000000-0000-4000-8000-000000000002', 'browser', 'demo', 300, 'completed');
insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text, start_ms, end_ms)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 0, 'persona', 'Hi', 0, 900);
insert into public.scheduled_calls (id, user_id, persona_id, phone_number_id, scheduled_time, timezone, local_time)
values ('f1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111',
        'a0000000-0000-4000-8000-000000000001', 'e1111111-1111-4111-8111-111111111111',
        now() + interval '1 day', 'UTC', '07:00');
insert into public.call_cost_events (call_id, user_id, service, event_type, duration_seconds, cost_usd, idempotency_key)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'deepgram', 'stt_audio',
        1, 0.0001, 'fixture');
insert into public.stripe_events (id, type, payload) values ('evt_Fixture', 'invoice.paid', '{}');
insert into public.token_blacklist (token_id, user_id, expires_at)
values ('51111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', now() + interval '1 hour');

-- Inserts with one field overridden, for append-only tables whose rows cannot be updated.
create function tests.insert_with(p_table text, p_base jsonb, p_overrides jsonb)
returns void language plpgsql as $$
declare
  v_row  jsonb := p_base || p_overrides;
  v_cols text;
begin
  select string_agg(quote_ident(k), ', ') into v_cols from jsonb_object_keys(v_row) k;
  execute format('insert into public.%I (%s) select %s from jsonb_populate_record(null::public.%I, $1)',
                 p_table, v_cols, v_cols, p_table)
    using v_row;
end;
$$;
create function tests.ledger(p_overrides jsonb)
returns void language sql as $$
  select tests.insert_with('credit_transactions',
    '{"user_id": "11111111-1111-4111-8111-111111111111", "type": "promo_grant", "amount": 10, "reserved_delta": 0,
      "balance_after": 510, "reserved_after": 0, "idempotency_key": "case"}',
    p_overrides)
$$;
create function tests.cost_event(p_overrides jsonb)
returns void language sql as $$
  select tests.insert_with('call_cost_events',
    '{"call_id": "c1111111-1111-4111-8111-111111111111", "user_id": "11111111-1111-4111-8111-111111111111",
      "service": "deepgram", "event_type": "stt_audio", "duration_seconds": 1, "cost_usd": 0.0001,
      "idempotency_key": "case"}',
    p_overrides)
$$;
create table tests.cases (constraint_name text primary key, statement text not null);
insert into tests.cases (constraint_name, statement) values
  -- users
  ('users_name_length', $$ update public.users set name = ' ' where id = '11111111-1111-4111-8111-111111111111' $$),
  ('users_phone_e164', $$ update public.users set phone = '004915112345678' where id = '11111111-1111-4111-8111-111111111111' $$),
  ('users_stripe_customer_id_shape', $$ update public.users set stripe_customer_id = 'acct_1' where id = '11111111-1111-4111-8111-111111111111' $$),
  ('users_timezone_iana', $$ update public.users set timezone = 'CET+1' where id = '11111111-1111-4111-8111-111111111111' $$),
  ('token_blacklist_expires_after_creation', $$ update public.token_blacklist set expires_at = created_at where token_id = '51111111-1111-4111-8111-111111111111' $$),
  -- personas
  ('personas_slug_shape', $$ update public.personas set slug = 'Brad!' where slug = 'brad' $$),
  ('personas_name_length', $$ update public.personas set name = '' where slug = 'brad' $$),
  ('personas_voice_id_shape', $$ update public.personas set voice_id = 'not a voice' where slug = 'brad' $$),
  ('personas_description_length', $$ update public.personas set description = '' where slug = 'brad' $$),
  ('personas_system_prompt_length', $$ update public.personas set system_prompt = '' where slug = 'brad' $$),
  ('personas_stability_range', $$ update public.personas set default_voice_stability = -0.1 where slug = 'brad' $$),
  ('personas_similarity_boost_range', $$ update public.personas set default_voice_similarity_boost = 1.5 where slug = 'brad' $$),
  ('personas_style_range', $$ update public.personas set default_voice_style = 2 where slug = 'brad' $$),
  ('personas_speed_range', $$ update public.personas set default_voice_speed = 0.5 where slug = 'brad' $$),
  ('personas_own_prompt_length', $$ insert into public.personas (owner_id, name, voice_id, description, system_prompt)
     values ('11111111-1111-4111-8111-111111111111', 'Own', '21m00Tcm4TlvDq8ikWAM', 'x', repeat('x', 2001)) $$),
  ('personas_traits_shape', $$ update public.personas set traits = '{a,b,c,d,e,f,g,h,i}' where slug = 'brad' $$),
  ('personas_deleted_only_own', $$ update public.personas set deleted_at = now() where slug = 'brad' $$),
  ('user_persona_relationships_type_valid', $$ update public.user_persona_relationships set relationship_type = 'boss' where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_persona_relationships_nickname_length', $$ update public.user_persona_relationships set nickname = ' ' where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_persona_relationships_custom_prompt_length', $$ update public.user_persona_relationships set custom_prompt = repeat('x', 2001) where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_persona_relationships_stability_range', $$ update public.user_persona_relationships set voice_stability = 1.1 where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_persona_relationships_similarity_boost_range', $$ update public.user_persona_relationships set voice_similarity_boost = -1 where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_persona_relationships_style_range', $$ update public.user_persona_relationships set voice_style = 3 where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_persona_relationships_speed_range', $$ update public.user_persona_relationships set voice_speed = 1.5 where user_id = '11111111-1111-4111-8111-111111111111' $$),
  -- scenario templates
  ('call_scenario_templates_builtin_has_slug', $$ update public.call_scenario_templates set slug = null where slug = 'reminder' $$),
  ('call_scenario_templates_slug_shape', $$ update public.call_scenario_templates set slug = 'Wake Up' where slug = 'wake-up-call' $$),
  ('call_scenario_templates_name_length', $$ update public.call_scenario_templates set name = '' where name = 'Mine' $$),
  ('call_scenario_templates_description_length', $$ update public.call_scenario_templates set description = repeat('x', 501) where name = 'Mine' $$),
  ('call_scenario_templates_prompt_length', $$ update public.call_scenario_templates set prompt = ' ' where name = 'Mine' $$),
  ('call_scenario_templates_opening_line_length', $$ update public.call_scenario_templates set opening_line = '' where name = 'Mine' $$),
  ('call_scenario_templates_max_duration_range', $$ update public.call_scenario_templates set default_max_duration_seconds = 10 where name = 'Mine' $$),
  -- phone numbers
  ('user_phone_numbers_phone_number_e164', $$ update public.user_phone_numbers set phone_number = '+1 415 555 0101' where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_phone_numbers_country_code_shape', $$ update public.user_phone_numbers set country_code = 'usa' where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_phone_numbers_label_length', $$ update public.user_phone_numbers set label = '' where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('phone_verifications_phone_number_e164', $$ update public.phone_verifications set phone_number = '+' where id = '61111111-1111-4111-8111-111111111111' $$),
  ('phone_verifications_channel_valid', $$ update public.phone_verifications set channel = 'fax' where id = '61111111-1111-4111-8111-111111111111' $$),
  ('phone_verifications_status_valid', $$ update public.phone_verifications set status = 'maybe' where id = '61111111-1111-4111-8111-111111111111' $$),
  ('phone_verifications_has_secret', $$ update public.phone_verifications set code_hash = null where id = '61111111-1111-4111-8111-111111111111' $$),
  ('phone_verifications_attempts_range', $$ update public.phone_verifications set attempts = 6 where id = '61111111-1111-4111-8111-111111111111' $$),
  ('phone_verifications_max_attempts_range', $$ update public.phone_verifications set max_attempts = 20 where id = '61111111-1111-4111-8111-111111111111' $$),
  ('phone_verifications_expires_after_creation', $$ update public.phone_verifications set expires_at = created_at where id = '61111111-1111-4111-8111-111111111111' $$),
  ('phone_verifications_approved_has_time', $$ update public.phone_verifications set approved_at = now() where id = '61111111-1111-4111-8111-111111111111' $$),
  -- calls (c1: phone call in progress of being placed; c2: finished browser call)
  ('calls_mode_valid', $$ update public.calls set mode = 'fax', phone_number = null, phone_number_id = null where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_phone_mode_has_number', $$ update public.calls set phone_number = null where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_browser_mode_has_no_number', $$ update public.calls set mode = 'browser', phone_number = null where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_phone_number_e164', $$ update public.calls set phone_number = '14155550101' where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_summary_length', $$ update public.calls set summary = repeat('x', 1001) where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_ended_has_time', $$ update public.calls set ended_at = null where id = 'c2222222-2222-4222-8222-222222222222' $$),
  ('calls_twilio_call_sid_shape', $$ update public.calls set twilio_call_sid = 'CA123' where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_last_callback_sequence_range', $$ update public.calls set last_callback_sequence = -1 where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_payment_method_valid', $$ update public.calls set payment_method = 'cash' where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_payment_status_valid', $$ update public.calls set payment_status = 'maybe' where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_payment_intent_shape', $$ update public.calls set payment_method = 'card', payment_intent_id = 'ch_1' where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_card_payment_has_intent', $$ update public.calls set payment_method = 'card', payment_status = 'authorized' where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_credit_payment_has_no_intent', $$ update public.calls set payment_intent_id = 'pi_1' where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_max_duration_range', $$ update public.calls set max_duration_seconds = 14401 where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_estimated_cost_nonnegative', $$ update public.calls set estimated_cost_cents = -1 where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_reserved_credits_nonnegative', $$ update public.calls set reserved_credits = -1 where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_answered_by_valid', $$ update public.calls set answered_by = 'robot' where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_actual_cost_nonnegative', $$ update public.calls set actual_cost_cents = -1 where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_credits_used_nonnegative', $$ update public.calls set credits_used = -1 where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_duration_nonnegative', $$ update public.calls set duration_seconds = -1 where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_media_end_reason_valid', $$ update public.calls set media_end_reason = 'missed' where id = 'c2222222-2222-4222-8222-222222222222' $$),
  ('calls_end_reason_only_when_ended', $$ update public.calls set end_reason = 'time_limit' where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_custom_instructions_length', $$ update public.calls set custom_instructions = repeat('x', 1001) where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_error_message_length', $$ update public.calls set error_message = repeat('x', 1001) where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_idempotency_key_length', $$ update public.calls set idempotency_key = '' where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_user_rating_range', $$ update public.calls set user_rating = 6 where id = 'c2222222-2222-4222-8222-222222222222' $$),
  ('calls_user_feedback_length', $$ update public.calls set user_feedback = repeat('x', 2001) where id = 'c2222222-2222-4222-8222-222222222222' $$),
  ('calls_answered_after_created', $$ update public.calls set answered_at = created_at - interval '1 minute' where id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('calls_ended_after_answered', $$ update public.calls set ended_at = created_at - interval '1 minute' where id = 'c2222222-2222-4222-8222-222222222222' $$),
  -- transcripts
  ('call_transcript_segments_seq_nonnegative', $$ update public.call_transcript_segments set seq = -1 where call_id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('call_transcript_segments_speaker_valid', $$ update public.call_transcript_segments set speaker = 'narrator' where call_id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('call_transcript_segments_text_length', $$ update public.call_transcript_segments set text = '' where call_id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('call_transcript_segments_start_nonnegative', $$ update public.call_transcript_segments set start_ms = -1 where call_id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('call_transcript_segments_end_after_start', $$ update public.call_transcript_segments set end_ms = 10, start_ms = 20 where call_id = 'c1111111-1111-4111-8111-111111111111' $$),
  -- scheduled calls
  ('scheduled_calls_timezone_iana', $$ update public.scheduled_calls set timezone = 'Berlin' where id = 'f1111111-1111-4111-8111-111111111111' $$),
  ('scheduled_calls_recurrence_valid', $$ update public.scheduled_calls set recurrence = 'hourly' where id = 'f1111111-1111-4111-8111-111111111111' $$),
  ('scheduled_calls_failure_has_reason', $$ update public.scheduled_calls set status = 'failed' where id = 'f1111111-1111-4111-8111-111111111111' $$),
  ('scheduled_calls_failure_reason_length', $$ update public.scheduled_calls set status = 'failed', failure_reason = '' where id = 'f1111111-1111-4111-8111-111111111111' $$),
  ('scheduled_calls_canceled_has_time', $$ update public.scheduled_calls set canceled_at = now() where id = 'f1111111-1111-4111-8111-111111111111' $$),
  ('scheduled_calls_dispatched_has_call', $$ update public.scheduled_calls set status = 'dispatched' where id = 'f1111111-1111-4111-8111-111111111111' $$),
  ('scheduled_calls_attempts_nonnegative', $$ update public.scheduled_calls set attempts = -1 where id = 'f1111111-1111-4111-8111-111111111111' $$),
  ('scheduled_calls_max_duration_range', $$ update public.scheduled_calls set max_duration_seconds = 10 where id = 'f1111111-1111-4111-8111-111111111111' $$),
  ('scheduled_calls_payment_method_valid', $$ update public.scheduled_calls set payment_method = 'cash' where id = 'f1111111-1111-4111-8111-111111111111' $$),
  ('scheduled_calls_custom_instructions_length', $$ update public.scheduled_calls set custom_instructions = repeat('x', 1001) where id = 'f1111111-1111-4111-8111-111111111111' $$),
  ('scheduled_calls_phone_number_e164', $$ update public.scheduled_calls set phone_number = '14155550101' where id = 'f1111111-1111-4111-8111-111111111111' $$),
  -- credits
  ('user_credits_available_nonnegative', $$ update public.user_credits set available_credits = -1 where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_credits_reserved_nonnegative', $$ update public.user_credits set reserved_credits = -1 where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_credits_plan_shape', $$ update public.user_credits set subscription_plan = 'Pro Plan' where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_credits_subscription_status_valid', $$ update public.user_credits set subscription_plan = 'plus', subscription_status = 'great' where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_credits_subscription_has_plan', $$ update public.user_credits set subscription_status = 'active' where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_credits_stripe_subscription_shape', $$ update public.user_credits set stripe_subscription_id = 'si_1' where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_credits_period_order', $$ update public.user_credits set current_period_start = now(), current_period_end = now() - interval '1 day' where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_credits_included_nonnegative', $$ update public.user_credits set included_monthly_credits = -1 where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_credits_owed_nonnegative', $$ update public.user_credits set owed_credits = -1 where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('credit_transactions_type_valid', $$ select tests.ledger('{"type": "gift"}') $$),
  ('credit_transactions_moves_something', $$ select tests.ledger('{"type": "adjustment", "amount": 0}') $$),
  ('credit_transactions_grant_shape', $$ select tests.ledger('{"type": "purchase", "amount": -10}') $$),
  ('credit_transactions_reservation_shape', $$ select tests.ledger('{"type": "reservation", "amount": -100, "reserved_delta": 50, "call_id": "c1111111-1111-4111-8111-111111111111"}') $$),
  ('credit_transactions_settlement_shape', $$ select tests.ledger('{"type": "settlement", "amount": 10, "reserved_delta": 100, "call_id": "c1111111-1111-4111-8111-111111111111"}') $$),
  ('credit_transactions_debit_shape', $$ select tests.ledger('{"type": "refund", "amount": 10}') $$),
  ('credit_transactions_balance_after_nonnegative', $$ select tests.ledger('{"balance_after": -1}') $$),
  ('credit_transactions_reserved_after_nonnegative', $$ select tests.ledger('{"reserved_after": -1}') $$),
  ('credit_transactions_owed_after_nonnegative', $$ select tests.ledger('{"owed_after": -1}') $$),
  ('credit_transactions_idempotency_key_length', $$ select tests.ledger('{"idempotency_key": ""}') $$),
  ('credit_transactions_stripe_event_shape', $$ select tests.ledger('{"stripe_event_id": "ev_1"}') $$),
  ('credit_transactions_description_length', $$ select tests.ledger(jsonb_build_object('description', repeat('x', 501))) $$),
  ('credit_transactions_call_types', $$ select tests.ledger('{"type": "reservation", "amount": -100, "reserved_delta": 100}') $$),
  ('stripe_events_id_shape', $$ update public.stripe_events set id = 'in_1' where id = 'evt_Fixture' $$),
  ('stripe_events_type_shape', $$ update public.stripe_events set type = 'Invoice Paid' where id = 'evt_Fixture' $$),
  ('stripe_events_status_valid', $$ update public.stripe_events set status = 'done' where id = 'evt_Fixture' $$),
  ('stripe_events_processed_has_time', $$ update public.stripe_events set status = 'processed' where id = 'evt_Fixture' $$),
  -- budgets
  ('user_budget_settings_max_cost_per_call_positive', $$ update public.user_budget_settings set max_cost_per_call_cents = 0 where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_budget_settings_max_monthly_spend_positive', $$ update public.user_budget_settings set max_monthly_spend_cents = -1 where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_budget_settings_per_call_within_monthly', $$ update public.user_budget_settings set max_cost_per_call_cents = 10001 where user_id = '11111111-1111-4111-8111-111111111111' $$),
  ('user_budget_settings_warn_at_percent_per_call_range', $$ update public.user_budget_settings set warn_at_percent_per_call = 101 where user_id = '11111111-1111-4111-8111-111111111111' $$),
  -- costs
  ('service_rates_service_valid', $$ update public.service_rates set service = 'acme' where rate_key = 'media_streams' $$),
  ('service_rates_rate_key_shape', $$ update public.service_rates set rate_key = 'Media Streams' where rate_key = 'media_streams' $$),
  ('service_rates_unit_valid', $$ update public.service_rates set unit = 'hour' where rate_key = 'media_streams' $$),
  ('service_rates_price_nonnegative', $$ update public.service_rates set unit_price_usd = -0.001 where rate_key = 'media_streams' $$),
  ('service_rates_markup_range', $$ update public.service_rates set markup_percent = 1001 where rate_key = 'media_streams' $$),
  ('service_rates_effective_order', $$ update public.service_rates set effective_to = effective_from where rate_key = 'media_streams' $$),
  ('service_rates_no_overlap', $$ insert into public.service_rates (service, rate_key, unit, unit_price_usd) values ('twilio', 'media_streams', 'minute', 0.005) $$),
  ('call_cost_breakdowns_twilio_nonnegative', $$ update public.call_cost_breakdowns set twilio_usd = -1 where call_id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('call_cost_breakdowns_deepgram_nonnegative', $$ update public.call_cost_breakdowns set deepgram_usd = -1 where call_id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('call_cost_breakdowns_cerebras_nonnegative', $$ update public.call_cost_breakdowns set cerebras_usd = -1 where call_id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('call_cost_breakdowns_openai_nonnegative', $$ update public.call_cost_breakdowns set openai_usd = -1 where call_id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('call_cost_breakdowns_elevenlabs_nonnegative', $$ update public.call_cost_breakdowns set elevenlabs_usd = -1 where call_id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('call_cost_breakdowns_billed_nonnegative', $$ update public.call_cost_breakdowns set billed_credits = -1 where call_id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('call_cost_breakdowns_event_count_nonnegative', $$ update public.call_cost_breakdowns set event_count = -1 where call_id = 'c1111111-1111-4111-8111-111111111111' $$),
  ('call_cost_events_service_valid', $$ select tests.cost_event('{"service": "acme"}') $$),
  ('call_cost_events_event_type_valid', $$ select tests.cost_event('{"event_type": "vibes"}') $$),
  ('call_cost_events_usage_matches_service', $$ select tests.cost_event('{"service": "elevenlabs"}') $$),
  ('call_cost_events_tokens_input_nonnegative', $$ select tests.cost_event('{"service": "openai", "event_type": "llm_completion", "tokens_input": -1, "tokens_output": 1}') $$),
  ('call_cost_events_tokens_output_nonnegative', $$ select tests.cost_event('{"service": "openai", "event_type": "llm_completion", "tokens_input": 1, "tokens_output": -1}') $$),
  ('call_cost_events_characters_nonnegative', $$ select tests.cost_event('{"service": "elevenlabs", "event_type": "tts_characters", "characters": -1}') $$),
  ('call_cost_events_duration_seconds_nonnegative', $$ select tests.cost_event('{"duration_seconds": -1}') $$),
  ('call_cost_events_cost_nonnegative', $$ select tests.cost_event('{"cost_usd": -0.0001}') $$),
  ('call_cost_events_idempotency_key_length', $$ select tests.cost_event('{"idempotency_key": ""}') $$),
  ('call_cost_events_model_length', $$ select tests.cost_event(jsonb_build_object('model', repeat('x', 101))) $$);

select plan((select count(*)::int + 2 from tests.cases));

-- The fixtures themselves are valid, so each case below fails only because of its own change.
select is(
  tests.violated_constraint($$ select tests.ledger('{"idempotency_key": "valid-baseline"}') $$) || ' / '
    || tests.violated_constraint($$ select tests.cost_event('{"idempotency_key": "valid-baseline"}') $$),
  '(accepted) / (accepted)',
  'The baseline ledger row and cost event are valid'
);

select is(
  tests.violated_constraint(c.statement),
  case when con.contype = 'x' then '23P01 ' else '23514 ' end || c.constraint_name,
  'Constraint ' || c.constraint_name || ' rejects its bad value'
)
from tests.cases c
left join pg_constraint con on con.conname = c.constraint_name and con.connamespace = 'public'::regnamespace
order by c.constraint_name;

select is_empty(
  $$ select conname::text from pg_constraint
     where connamespace = 'public'::regnamespace and contype in ('c', 'x')
       and conrelid::regclass::text in (
         'users', 'token_blacklist', 'personas', 'user_persona_relationships', 'call_scenario_templates',
         'user_phone_numbers', 'phone_verifications', 'calls', 'call_transcript_segments', 'scheduled_calls',
         'user_credits', 'credit_transactions', 'stripe_events', 'user_budget_settings', 'service_rates',
         'call_cost_breakdowns', 'call_cost_events')
     except select constraint_name from tests.cases $$,
  'Every check and exclusion constraint of the data model has a rejection case here'
);

select * from finish();
rollback;
