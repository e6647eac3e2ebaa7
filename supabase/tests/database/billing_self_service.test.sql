-- Billing a customer runs alone: an open checkout gives way to the next, a saved card comes from a succeeded
-- SetupIntent and goes when detached, card charges and refunds are kept in any event order, and only the owner
-- reads their saved card and charges.
begin;
\ir _helpers.psql
select plan(38);

-- A succeeded SetupIntent of cus_ada whose payment method (expanded, as the webhook handler passes it) is p_pm.
create function tests.seti(p_id text, p_pm text, p_last4 text, p_customer text default 'cus_ada')
returns jsonb language sql as $$
  select jsonb_build_object('id', p_id, 'object', 'setup_intent', 'status', 'succeeded', 'customer', 'cus_ada',
    'metadata', jsonb_build_object('user_id', 'b1111111-1111-4111-8111-111111111111'),
    'payment_method', jsonb_build_object('id', p_pm, 'object', 'payment_method', 'customer', p_customer,
      'card', jsonb_build_object('brand', 'visa', 'last4', p_last4, 'exp_month', 12, 'exp_year', 2030)))
$$;
create function tests.charge(p_id text, p_amount bigint, p_captured boolean, p_amount_captured bigint, p_refunded bigint, p_meta jsonb)
returns jsonb language sql as $$
  select jsonb_build_object('id', p_id, 'object', 'charge', 'amount', p_amount, 'captured', p_captured,
    'amount_captured', p_amount_captured, 'amount_refunded', p_refunded, 'currency', 'usd', 'customer', 'cus_ada',
    'payment_intent', 'pi_' || p_id, 'created', 1700000000, 'metadata', p_meta)
$$;
grant execute on all functions in schema tests to service_role;

\set ada '''b1111111-1111-4111-8111-111111111111'''
\set bob '''b2222222-2222-4222-8222-222222222222'''
select tests.create_onboarded_user(:ada, 'ada-billing@example.com');
select tests.create_onboarded_user(:bob, 'bob-billing@example.com');
update public.users set stripe_customer_id = 'cus_ada' where id = :ada;

set local role service_role;

-- An open checkout gives way to the next -----------------------------------------------------------------------
select lives_ok($$ select private.open_checkout(
  (select checkout_id from private.begin_checkout('b1111111-1111-4111-8111-111111111111', 'pack', 'credits_500', 500, 500)),
  'cs_test_cancelled', 'http://x/checkout/cs_test_cancelled', now() + interval '1 day') $$,
  'A checkout is opened (and then cancelled on the payment page, which tells us nothing)');
select is((select superseded_session_ids from private.begin_checkout(:ada, 'pack', 'credits_1000', 1000, 1000)), array['cs_test_cancelled'],
  'Buying again right away starts a new checkout and names the old one to expire at Stripe');
select is((select status from private.checkout_sessions where stripe_session_id = 'cs_test_cancelled'), 'expired',
  'The old checkout is no longer open');
select matches(tests.error_of($$ select private.begin_checkout('b1111111-1111-4111-8111-111111111111', 'setup', 'card', 0, 0) $$),
  '^P0001 checkout_in_progress: A checkout is already being started for you\. Wait a moment and try again\.$',
  'Only a checkout still being created (a double click) refuses, with a sentence');
select lives_ok($$ select private.abandon_checkout((select id from private.checkout_sessions where status = 'creating')) $$, 'It is let go');
select isnt((select checkout_id from private.begin_checkout(:ada, 'setup', 'card', 0, 0)), null,
  'Saving a card is a checkout with no credits and no price');
select matches(tests.error_of($$ select private.begin_checkout('b2222222-2222-4222-8222-222222222222', 'setup', 'card', 5, 0) $$),
  '^P0001 amount_not_positive: ', 'A setup checkout that claims credits is refused');
select is((select count(*)::int from private.checkout_sessions where user_id = :bob), 0, 'and changes nothing');

-- Saved card ------------------------------------------------------------------------------------------------------
select matches(tests.error_of($$ select private.require_saved_card('b1111111-1111-4111-8111-111111111111') $$),
  '^P0001 card_missing: You have no saved card\. Save one on the Billing page, or pay with credits\.$',
  'Without a saved card a card payment is refused with a sentence');
select is(tests.ingest(tests.ev('evt_seti1', 'setup_intent.succeeded', 2000, tests.seti('seti_1', 'pm_first', '4242'))), 'processed',
  'A succeeded SetupIntent is processed');
select results_eq($$ select stripe_payment_method_id, brand, last4, exp_month::int, exp_year::int from public.payment_cards where user_id = 'b1111111-1111-4111-8111-111111111111' $$,
  $$ values ('pm_first', 'visa', '4242', 12, 2030) $$, 'and its card is the user''s saved card');
select is(private.require_saved_card(:ada), 'pm_first', 'A card payment now finds it');
select is(tests.ingest(tests.ev('evt_seti1', 'setup_intent.succeeded', 2000, tests.seti('seti_1', 'pm_first', '4242'))), 'duplicate',
  'The same event again is a duplicate');
select is(tests.ingest(tests.ev('evt_seti2', 'setup_intent.succeeded', 3000, tests.seti('seti_2', 'pm_second', '4444'))), 'processed',
  'A newer card replaces it');
select is(tests.ingest(tests.ev('evt_seti0', 'setup_intent.succeeded', 1000, tests.seti('seti_0', 'pm_old', '1111'))), 'processed',
  'An older event arriving late');
select is((select stripe_payment_method_id from public.payment_cards where user_id = :ada), 'pm_second', 'does not bring an older card back');
select is(tests.ingest(tests.ev('evt_seti3', 'setup_intent.succeeded', 4000, tests.seti('seti_3', 'pm_gone', '9999', null))), 'processed',
  'A card detached since it was set up');
select is((select stripe_payment_method_id from public.payment_cards where user_id = :ada), 'pm_second', 'is not saved');
select matches(tests.error_of($$ select private.ingest_stripe_event(tests.ev('evt_seti4', 'setup_intent.succeeded', 5000,
    jsonb_build_object('id', 'seti_4', 'customer', 'cus_ada', 'payment_method', 'pm_not_expanded'))) $$),
  '^P0001 event_invalid: ', 'A SetupIntent without its card is refused');
select is((select count(*)::int from public.stripe_events where id = 'evt_seti4'), 0, 'and changes nothing');

-- Owner reads, nobody else; nobody writes.
select tests.authenticate_as(:ada);
select is((select last4 from public.payment_cards), '4444', 'The owner reads their saved card');
select tests.authenticate_as(:bob);
select is_empty($$ select 1 from public.payment_cards $$, 'Another user reads no saved card');
select tests.authenticate_as(:ada);
select throws_ok($$ update public.payment_cards set last4 = '0000' $$, '42501', null, 'The owner cannot change their saved card directly');
select throws_ok($$ insert into public.card_charges (stripe_charge_id, user_id, purpose, currency, amount_cents, charged_at)
                    values ('ch_fake', 'b1111111-1111-4111-8111-111111111111', 'other', 'usd', 100, now()) $$,
  '42501', null, 'nor write a card charge');
reset role;
set local role service_role;

select is(tests.ingest(tests.ev('evt_att', 'payment_method.attached', 5500, jsonb_build_object('id', 'pm_other', 'customer', 'cus_ada',
    'card', jsonb_build_object('brand', 'mastercard', 'last4', '4444', 'exp_month', 1, 'exp_year', 2031)))), 'processed',
  'A card attached with a purchase');
select is((select stripe_payment_method_id from public.payment_cards where user_id = :ada), 'pm_second', 'does not replace the saved card');
select is(tests.ingest(tests.ev('evt_det', 'payment_method.detached', 6000, '{"id": "pm_second", "customer": null}')), 'processed',
  'Stripe reporting the card detached');
select is_empty($$ select 1 from public.payment_cards where user_id = 'b1111111-1111-4111-8111-111111111111' $$, 'clears the saved card');
select is(tests.ingest(tests.ev('evt_att2', 'payment_method.attached', 6500, jsonb_build_object('id', 'pm_other', 'customer', 'cus_ada',
    'card', jsonb_build_object('brand', 'mastercard', 'last4', '4444', 'exp_month', 1, 'exp_year', 2031)))), 'processed',
  'A card attached with a purchase when none is saved');
select is((select last4 from public.payment_cards where user_id = :ada), '4444', 'becomes the saved card');
select is(tests.ingest(tests.ev('evt_att3', 'payment_method.attached', 6600, jsonb_build_object('id', 'pm_stranger', 'customer', 'cus_nobody',
    'card', jsonb_build_object('brand', 'visa', 'last4', '1111', 'exp_month', 1, 'exp_year', 2031)))), 'processed',
  'A card of a customer we do not know');
select is((select count(*)::int from public.payment_cards where stripe_payment_method_id = 'pm_stranger'), 0, 'is saved for nobody');

-- Card charges and refunds, in any order ------------------------------------------------------------------------
-- A call held for 500 and captured for 180; the captured event arrives before the authorisation.
select tests.ingest(tests.ev('evt_cap', 'charge.captured', 7001, tests.charge('ch_call', 500, true, 180, 320, '{"call_id": "c0000000-0000-4000-8000-000000000001", "user_id": "b1111111-1111-4111-8111-111111111111"}')));
select tests.ingest(tests.ev('evt_auth', 'charge.succeeded', 7000, tests.charge('ch_call', 500, false, 0, 0, '{"call_id": "c0000000-0000-4000-8000-000000000001", "user_id": "b1111111-1111-4111-8111-111111111111"}')));
select results_eq($$ select purpose, amount_cents::int, captured_cents::int, refund_cents::int, status from public.card_charges where stripe_charge_id = 'ch_call' $$,
  $$ values ('call', 500, 180, 0, 'paid') $$, 'A partly captured call hold shows what was charged, and no refund');
-- A pack of 1000 refunded 400.
select tests.ingest(tests.ev('evt_pack', 'charge.succeeded', 7100, tests.charge('ch_pack', 1000, true, 1000, 0, '{"kind": "credit_pack"}')));
select tests.ingest(tests.ev('evt_ref', 'charge.refunded', 7200, tests.charge('ch_pack', 1000, true, 1000, 400, '{"kind": "credit_pack"}')));
select results_eq($$ select purpose, refund_cents::int, status from public.card_charges where stripe_charge_id = 'ch_pack' $$,
  $$ values ('credit_pack', 400, 'partially_refunded') $$, 'A partial refund shows its amount');
-- A released hold.
select tests.ingest(tests.ev('evt_rel', 'charge.refunded', 7300, tests.charge('ch_rel', 300, false, 0, 300, '{"call_id": "c0000000-0000-4000-8000-000000000002"}')));
select is((select status from public.card_charges where stripe_charge_id = 'ch_rel'), 'released', 'A released hold is shown as released');
-- A plan's charges, as Stripe sends them since 2025-03-31.basil (no `invoice`; described by the subscription), and
-- as older versions did (naming the invoice).
select tests.ingest(tests.ev('evt_plan1', 'charge.succeeded', 7400, tests.charge('ch_plan1', 1500, true, 1500, 0, '{}') || '{"description": "Subscription creation"}'));
select tests.ingest(tests.ev('evt_plan2', 'charge.succeeded', 7500, tests.charge('ch_plan2', 1500, true, 1500, 0, '{}') || '{"description": "Subscription update"}'));
select tests.ingest(tests.ev('evt_plan0', 'charge.succeeded', 7600, tests.charge('ch_plan0', 1500, true, 1500, 0, '{}') || '{"invoice": "in_old"}'));
select tests.ingest(tests.ev('evt_misc', 'charge.succeeded', 7700, tests.charge('ch_misc', 700, true, 700, 0, '{}') || '{"description": "Something else"}'));
select results_eq($$ select stripe_charge_id, purpose from public.card_charges where stripe_charge_id in ('ch_plan1', 'ch_plan2', 'ch_plan0', 'ch_misc') order by stripe_charge_id $$,
  $$ values ('ch_misc', 'other'), ('ch_plan0', 'subscription'), ('ch_plan1', 'subscription'), ('ch_plan2', 'subscription') $$,
  'A plan''s charges are kept as plan payments, by description or by invoice; other charges as other');
select is((select user_id from public.card_charges where stripe_charge_id = 'ch_plan1'), :ada::uuid, 'and belong to the customer''s user');
select tests.authenticate_as(:bob);
select is_empty($$ select 1 from public.card_charges $$, 'Another user reads none of these charges');

select * from finish();
rollback;
