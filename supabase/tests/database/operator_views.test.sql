-- Operators (app_metadata.role = operator, set only by the service) read every account, call, provider spend,
-- refund and anomaly through the public.operator_* views; a signed-in user without the role reads no rows, also
-- when they put the role in their own user_metadata; anon may not read the views at all.
begin;
\ir _helpers.psql
select plan(28);

select tests.create_onboarded_user('0e000000-0000-4000-8000-000000000001', 'op-user@example.test', '{"name":"Ursula"}');
select tests.create_user('0e000000-0000-4000-8000-000000000002', 'op-operator@example.test', '{"name":"Otto"}');
insert into public.calls (id, user_id, persona_id, mode, phone_number, status, payment_method, max_duration_seconds,
                          estimated_cost_cents, dialed_at)
values ('0e000000-0000-4000-8000-0000000000c1', '0e000000-0000-4000-8000-000000000001',
        'a0000000-0000-4000-8000-000000000001', 'phone', '+13035550100', 'in_progress', 'demo', 300, 45, now());
insert into public.call_cost_events (call_id, user_id, service, event_type, duration_seconds, cost_usd, idempotency_key)
values ('0e000000-0000-4000-8000-0000000000c1', '0e000000-0000-4000-8000-000000000001', 'deepgram', 'stt_audio',
        12.5, 0.0016041667, 'op-test:deepgram:0-12');
insert into private.payment_anomalies (kind, stripe_event_id, stripe_object_id, user_id, claimed_item, claimed_credits,
                                       granted_credits, amount_cents, currency)
values ('amount_unmatched', 'evt_optest', 'pi_optest', '0e000000-0000-4000-8000-000000000001', 'pack_small', 500, 0, 123, 'usd');
select private.record_webhook_anomaly('twilio', 'CAoptest', 'status', 'call_unknown', 'No call has this sid.', '{}');

select set_config('tests.op_user_phone',
  (select phone_number from public.user_phone_numbers where user_id = '0e000000-0000-4000-8000-000000000001'), true);

-- Granting ---------------------------------------------------------------------------------------------------------
select is(private.grant_operator(' OP-Operator@example.test'), '0e000000-0000-4000-8000-000000000002'::uuid,
  'grant_operator finds the account by e-mail, whatever its case');
select is((select raw_app_meta_data from auth.users where id = '0e000000-0000-4000-8000-000000000002'),
  '{"provider":"email","providers":["email"],"role":"operator"}'::jsonb,
  'and adds role = operator to app_metadata, keeping what Auth put there');
select matches(tests.error_of($$ select private.grant_operator('nobody@example.test') $$),
  '^P0002 No account has the e-mail address nobody@example.test', 'An unknown address is refused with a sentence');
set local role service_role;
select lives_ok($$ select private.grant_operator('op-operator@example.test') $$, 'The service role may grant it');
reset role;

select tests.authenticate_as('0e000000-0000-4000-8000-000000000001');
select matches(tests.error_of($$ select private.grant_operator('op-user@example.test') $$), '^42501 ',
  'A user cannot grant themselves the role');
select matches(tests.error_of($$ select private.revoke_operator('op-operator@example.test') $$), '^42501 ',
  'or take it from someone else');
reset role;

-- An operator reads everyone -------------------------------------------------------------------------------------
create function tests.with_claims(p_extra jsonb) returns void language sql as $$
  select set_config('request.jwt.claims', (current_setting('request.jwt.claims', true)::jsonb || p_extra)::text, true)
$$;

select tests.authenticate_as('0e000000-0000-4000-8000-000000000002');
select tests.with_claims('{"app_metadata":{"provider":"email","role":"operator"}}');
select results_eq(
  $$ select email, persona, status::text, charge_cents from public.operator_calls where call_id = '0e000000-0000-4000-8000-0000000000c1' $$,
  $$ values ('op-user@example.test', 'Brad', 'in_progress', 0) $$,
  'An operator sees another user''s call, with its owner, status and charge');
select results_eq(
  $$ select name, verified_numbers, available_credits, calls from public.operator_users where user_id = '0e000000-0000-4000-8000-000000000001' $$,
  $$ values ('Ursula', array[current_setting('tests.op_user_phone')], 500::bigint, 1::bigint) $$,
  'every account, with its verified numbers, balance and calls');
select ok((select count(*) >= 2 from public.operator_users), 'including accounts other than their own');
-- Other usage of the same day may be on a used database: today's deepgram row includes this call's at least.
select ok(
  (select calls >= 1 and events >= 1 and cost_usd >= 0.0016041667 from public.operator_spend_by_day
    where day = (now() at time zone 'UTC')::date and provider = 'deepgram'),
  'provider spend by day');
select results_eq(
  $$ select source, code, email, reference from public.operator_anomalies where source in ('payment', 'webhook') order by source $$,
  $$ values ('payment', 'amount_unmatched', 'op-user@example.test', 'pi_optest'), ('webhook', 'call_unknown', null, 'CAoptest') $$,
  'payment and webhook anomalies');
select lives_ok($$ select * from public.operator_refunds $$, 'and refunds');
reset role;

-- Everyone else reads nothing ----------------------------------------------------------------------------------------
select tests.authenticate_as('0e000000-0000-4000-8000-000000000001');
select is((select count(*) from public.operator_calls)::int, 0, 'A user without the role reads no calls, not even their own here');
select is((select count(*) from public.operator_users)::int, 0, 'no accounts');
select is((select count(*) from public.operator_spend_by_day)::int, 0, 'no spend');
select is((select count(*) from public.operator_refunds)::int, 0, 'no refunds');
select is((select count(*) from public.operator_anomalies)::int, 0, 'no anomalies');
select is((select count(*) from public.calls where id = '0e000000-0000-4000-8000-0000000000c1')::int, 1,
  'while their own calls stay theirs to read');

-- user_metadata is the user's own to write (PUT /user): claiming the role there changes nothing.
select tests.with_claims('{"user_metadata":{"role":"operator"},"app_metadata":{"provider":"email"}}');
select is((select count(*) from public.operator_calls)::int, 0, 'The role claimed in user_metadata reads no calls');
select is((select count(*) from public.operator_users)::int, 0, 'nor accounts');
select is((select count(*) from public.operator_anomalies)::int, 0, 'nor anomalies');
reset role;
update auth.users set raw_user_meta_data = raw_user_meta_data || '{"role":"operator"}' where id = '0e000000-0000-4000-8000-000000000001';
select tests.authenticate_as('0e000000-0000-4000-8000-000000000001');
select matches(tests.error_of($$ select private.is_operator() and private.grant_operator('op-user@example.test') is not null $$),
  '^42501 ', 'nor lets them grant the role');
reset role;

select tests.authenticate_as_anon();
select matches(tests.error_of($$ select * from public.operator_calls $$), '^42501 ', 'anon may not read the views');
select matches(tests.error_of($$ select * from public.operator_anomalies $$), '^42501 ', 'any of them');
reset role;

-- The service (and the dashboard's SQL editor, as postgres) reads them -----------------------------------------------
set local role service_role;
select is((select count(*) from public.operator_calls where call_id = '0e000000-0000-4000-8000-0000000000c1')::int, 1,
  'The service role reads the views');
reset role;
select ok((select count(*) from public.operator_users) >= 2, 'and so does postgres');

-- Revoking ---------------------------------------------------------------------------------------------------------
select private.revoke_operator('op-operator@example.test');
select is((select raw_app_meta_data from auth.users where id = '0e000000-0000-4000-8000-000000000002'),
  '{"provider":"email","providers":["email"]}'::jsonb, 'revoke_operator takes the role out of app_metadata');

-- ledger_violations() answers from the view it now shares with the anomalies.
select is((select count(*) from private.ledger_violations('0e000000-0000-4000-8000-000000000001'))::int, 0,
  'The books of the new user balance');

select * from finish();
rollback;
