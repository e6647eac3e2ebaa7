-- The product owner's requirements document (shared/seed/requirements.md) fixes table and column names and their
-- defaults; the product may add to them but not rename or drop them. Each seed table, column and default is
-- asserted here by name, so a rename that breaks the contract fails this file. Ids are uuid (not the document's
-- VARCHAR) and timestamps timestamptz with now() (= CURRENT_TIMESTAMP): what the architecture replaced.
begin;
select plan(94);

-- users ---------------------------------------------------------------------------------------------------
select has_table('public', 'users', 'seed table users exists');
select col_type_is('public', 'users', 'id', 'uuid', 'users.id is a uuid');
select has_column('public', 'users', 'email', 'users.email');
select has_column('public', 'users', 'name', 'users.name');
select has_column('public', 'users', 'phone', 'users.phone');
select has_column('public', 'users', 'stripe_customer_id', 'users.stripe_customer_id');
select col_default_is('public', 'users', 'created_at', 'now()', 'users.created_at defaults to the current time');
select col_default_is('public', 'users', 'updated_at', 'now()', 'users.updated_at defaults to the current time');

-- token_blacklist -----------------------------------------------------------------------------------------
select has_table('public', 'token_blacklist', 'seed table token_blacklist exists');
select col_is_pk('public', 'token_blacklist', 'token_id', 'token_blacklist.token_id is the primary key');
select col_not_null('public', 'token_blacklist', 'user_id', 'token_blacklist.user_id is required');
select col_not_null('public', 'token_blacklist', 'expires_at', 'token_blacklist.expires_at is required');
select col_default_is('public', 'token_blacklist', 'created_at', 'now()', 'token_blacklist.created_at defaults to the current time');

-- personas ------------------------------------------------------------------------------------------------
select has_table('public', 'personas', 'seed table personas exists');
select has_column('public', 'personas', 'id', 'personas.id');
select has_column('public', 'personas', 'name', 'personas.name');
select has_column('public', 'personas', 'voice_id', 'personas.voice_id');
select has_column('public', 'personas', 'description', 'personas.description');
select has_column('public', 'personas', 'traits', 'personas.traits');

-- calls ---------------------------------------------------------------------------------------------------
select has_table('public', 'calls', 'seed table calls exists');
select col_type_is('public', 'calls', 'id', 'uuid', 'calls.id is a uuid');
select col_type_is('public', 'calls', 'user_id', 'uuid', 'calls.user_id is a uuid');
select col_type_is('public', 'calls', 'persona_id', 'uuid', 'calls.persona_id is a uuid');
select col_type_is('public', 'calls', 'phone_number', 'text', 'calls.phone_number holds the dialled number');
select has_column('public', 'calls', 'status', 'calls.status');
select has_column('public', 'calls', 'payment_method', 'calls.payment_method');
select col_type_is('public', 'calls', 'payment_intent_id', 'text', 'calls.payment_intent_id holds the Stripe PaymentIntent');
select has_column('public', 'calls', 'payment_status', 'calls.payment_status');
select col_type_is('public', 'calls', 'estimated_cost_cents', 'integer', 'calls.estimated_cost_cents is whole cents');
select col_type_is('public', 'calls', 'actual_cost_cents', 'integer', 'calls.actual_cost_cents is whole cents');
select col_type_is('public', 'calls', 'credits_used', 'integer', 'calls.credits_used is whole credits');
select hasnt_column('public', 'calls', 'to_number', 'calls.to_number is gone (the seed calls it phone_number)');
select hasnt_column('public', 'calls', 'stripe_payment_intent_id', 'calls.stripe_payment_intent_id is gone (the seed calls it payment_intent_id)');

-- user_credits --------------------------------------------------------------------------------------------
select has_table('public', 'user_credits', 'seed table user_credits exists');
select has_column('public', 'user_credits', 'available_credits', 'user_credits.available_credits');
select has_column('public', 'user_credits', 'subscription_plan', 'user_credits.subscription_plan (subscription info)');
select has_column('public', 'user_credits', 'subscription_status', 'user_credits.subscription_status (subscription info)');

-- credit_transactions -------------------------------------------------------------------------------------
select has_table('public', 'credit_transactions', 'seed table credit_transactions exists');
select has_column('public', 'credit_transactions', 'user_id', 'credit_transactions.user_id');
select has_column('public', 'credit_transactions', 'amount', 'credit_transactions.amount');

-- user_persona_relationships ------------------------------------------------------------------------------
select has_table('public', 'user_persona_relationships', 'seed table user_persona_relationships exists');
select has_column('public', 'user_persona_relationships', 'custom_prompt', 'user_persona_relationships.custom_prompt');
select has_column('public', 'user_persona_relationships', 'relationship_type', 'user_persona_relationships.relationship_type');
select has_column('public', 'user_persona_relationships', 'voice_stability', 'user_persona_relationships voice settings');

-- call_cost_breakdowns ------------------------------------------------------------------------------------
select has_table('public', 'call_cost_breakdowns', 'seed table call_cost_breakdowns exists');
select has_column('public', 'call_cost_breakdowns', 'twilio_usd', 'call_cost_breakdowns: Twilio cost');
select has_column('public', 'call_cost_breakdowns', 'elevenlabs_usd', 'call_cost_breakdowns: ElevenLabs cost');
select has_column('public', 'call_cost_breakdowns', 'cerebras_usd', 'call_cost_breakdowns: Cerebras cost');
select has_column('public', 'call_cost_breakdowns', 'openai_usd', 'call_cost_breakdowns: OpenAI cost');

-- call_scenario_templates ---------------------------------------------------------------------------------
select has_table('public', 'call_scenario_templates', 'seed table call_scenario_templates exists');
select has_column('public', 'call_scenario_templates', 'user_id', 'call_scenario_templates.user_id (user templates)');
select has_column('public', 'call_scenario_templates', 'name', 'call_scenario_templates.name');
select has_column('public', 'call_scenario_templates', 'prompt', 'call_scenario_templates.prompt');

-- scheduled_calls -----------------------------------------------------------------------------------------
select has_table('public', 'scheduled_calls', 'seed table scheduled_calls exists');
select has_column('public', 'scheduled_calls', 'id', 'scheduled_calls.id');
select has_column('public', 'scheduled_calls', 'user_id', 'scheduled_calls.user_id');
select has_column('public', 'scheduled_calls', 'persona_id', 'scheduled_calls.persona_id');
select col_type_is('public', 'scheduled_calls', 'phone_number', 'text', 'scheduled_calls.phone_number holds the number to ring');
select col_type_is('public', 'scheduled_calls', 'scheduled_time', 'timestamp with time zone', 'scheduled_calls.scheduled_time is an instant');
select hasnt_column('public', 'scheduled_calls', 'scheduled_at', 'scheduled_calls.scheduled_at is gone (the seed calls it scheduled_time)');

-- user_budget_settings ------------------------------------------------------------------------------------
select has_table('public', 'user_budget_settings', 'seed table user_budget_settings exists');
select col_is_pk('public', 'user_budget_settings', 'user_id', 'user_budget_settings.user_id is the primary key');
select col_type_is('public', 'user_budget_settings', 'max_cost_per_call_cents', 'integer', 'user_budget_settings.max_cost_per_call_cents is an integer');
select col_default_is('public', 'user_budget_settings', 'max_cost_per_call_cents', '1000', 'user_budget_settings.max_cost_per_call_cents defaults to 1000');
select col_type_is('public', 'user_budget_settings', 'max_monthly_spend_cents', 'integer', 'user_budget_settings.max_monthly_spend_cents is an integer');
select col_default_is('public', 'user_budget_settings', 'max_monthly_spend_cents', '10000', 'user_budget_settings.max_monthly_spend_cents defaults to 10000');
select col_type_is('public', 'user_budget_settings', 'warn_at_percent_per_call', 'integer', 'user_budget_settings.warn_at_percent_per_call is an integer');
select col_default_is('public', 'user_budget_settings', 'warn_at_percent_per_call', '75', 'user_budget_settings.warn_at_percent_per_call defaults to 75');
select col_type_is('public', 'user_budget_settings', 'enable_auto_cutoff', 'boolean', 'user_budget_settings.enable_auto_cutoff is a boolean');
select col_default_is('public', 'user_budget_settings', 'enable_auto_cutoff', 'true', 'user_budget_settings.enable_auto_cutoff defaults to true');
select col_default_is('public', 'user_budget_settings', 'created_at', 'now()', 'user_budget_settings.created_at defaults to the current time');
select col_default_is('public', 'user_budget_settings', 'updated_at', 'now()', 'user_budget_settings.updated_at defaults to the current time');
select hasnt_column('public', 'user_budget_settings', 'per_call_cap_cents', 'user_budget_settings.per_call_cap_cents is gone (the seed calls it max_cost_per_call_cents)');
select hasnt_column('public', 'user_budget_settings', 'monthly_cap_cents', 'user_budget_settings.monthly_cap_cents is gone (the seed calls it max_monthly_spend_cents)');
select hasnt_column('public', 'user_budget_settings', 'warn_at_percent', 'user_budget_settings.warn_at_percent is gone (the seed calls it warn_at_percent_per_call)');
select hasnt_column('public', 'user_budget_settings', 'auto_cutoff', 'user_budget_settings.auto_cutoff is gone (the seed calls it enable_auto_cutoff)');

-- call_cost_events ----------------------------------------------------------------------------------------
select has_table('public', 'call_cost_events', 'seed table call_cost_events exists');
select col_type_is('public', 'call_cost_events', 'id', 'uuid', 'call_cost_events.id is a uuid');
select col_is_pk('public', 'call_cost_events', 'id', 'call_cost_events.id is the primary key');
select col_not_null('public', 'call_cost_events', 'call_id', 'call_cost_events.call_id is required');
-- The seed's foreign key to calls(id), carried with the owner so a cost event can only name its owner's call.
select fk_ok('public', 'call_cost_events', array['call_id', 'user_id'], 'public', 'calls', array['id', 'user_id'],
             'call_cost_events.call_id references calls');
select col_type_is('public', 'call_cost_events', 'call_cost_breakdown_id', 'uuid', 'call_cost_events.call_cost_breakdown_id is a uuid');
select fk_ok('public', 'call_cost_events', array['call_cost_breakdown_id'], 'public', 'call_cost_breakdowns', array['id'],
             'call_cost_events.call_cost_breakdown_id references call_cost_breakdowns');
select has_column('public', 'call_cost_events', 'event_type', 'call_cost_events.event_type');
select has_column('public', 'call_cost_events', 'service', 'call_cost_events.service');
select col_type_is('public', 'call_cost_events', 'tokens_input', 'integer', 'call_cost_events.tokens_input is an integer');
select col_type_is('public', 'call_cost_events', 'tokens_output', 'integer', 'call_cost_events.tokens_output is an integer');
select col_type_is('public', 'call_cost_events', 'characters', 'integer', 'call_cost_events.characters is an integer');
select is((select data_type from information_schema.columns
            where table_schema = 'public' and table_name = 'call_cost_events' and column_name = 'duration_seconds'),
          'numeric', 'call_cost_events.duration_seconds is numeric');
select is((select data_type from information_schema.columns
            where table_schema = 'public' and table_name = 'call_cost_events' and column_name = 'calculated_cost_cents'),
          'numeric', 'call_cost_events.calculated_cost_cents is numeric');
select col_default_is('public', 'call_cost_events', 'created_at', 'now()', 'call_cost_events.created_at defaults to the current time');
select hasnt_column('public', 'call_cost_events', 'tokens_in', 'call_cost_events.tokens_in is gone (the seed calls it tokens_input)');
select hasnt_column('public', 'call_cost_events', 'tokens_out', 'call_cost_events.tokens_out is gone (the seed calls it tokens_output)');
select hasnt_column('public', 'call_cost_events', 'seconds', 'call_cost_events.seconds is gone (the seed calls it duration_seconds)');

select * from finish();
rollback;
