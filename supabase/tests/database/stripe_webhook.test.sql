-- Stripe webhook ingestion and checkout claims: duplicates and multi-event purchases credit once, subscription
-- events in any order end in the right state, refunds claw back once, failures change nothing, and grants and
-- clawbacks follow the amounts paid, never the metadata.
begin;
\ir _helpers.psql
select plan(65);

create function tests.available(p_user uuid)
returns bigint language sql as $$ select available_credits from public.user_credits where user_id = p_user $$;
grant execute on all functions in schema tests to service_role;

\set ada '''a1111111-1111-4111-8111-111111111111'''
select tests.create_onboarded_user(:ada, 'ada@example.com');
update public.users set stripe_customer_id = 'cus_ada' where id = :ada;

set local role service_role;

-- Credit pack purchase ----------------------------------------------------------------------------------------
select is(tests.ingest(tests.ev('evt_cs1', 'checkout.session.completed', 1000, jsonb_build_object(
  'id', 'cs_test_1', 'object', 'checkout.session', 'mode', 'payment', 'payment_status', 'paid', 'customer', 'cus_ada',
  'client_reference_id', 'a1111111-1111-4111-8111-111111111111', 'payment_intent', 'pi_pack1', 'amount_total', 1000, 'currency', 'usd',
  'metadata', jsonb_build_object('user_id', 'a1111111-1111-4111-8111-111111111111', 'kind', 'credit_pack', 'item', 'credits_1000', 'credits', '1000')))),
  'processed', 'A paid checkout session is processed');
select is(tests.available(:ada), 1500::bigint, 'and grants the pack''s credits');
select is(tests.ingest(tests.ev('evt_cs1', 'checkout.session.completed', 1000, '{"id":"cs_test_1"}')), 'duplicate',
  'The same event again is a duplicate');
select is(tests.available(:ada), 1500::bigint, 'and credits nothing');
select is(tests.ingest(tests.ev('evt_pi1', 'payment_intent.succeeded', 1001, jsonb_build_object(
  'id', 'pi_pack1', 'object', 'payment_intent', 'amount_received', 1000, 'currency', 'usd', 'customer', 'cus_ada',
  'metadata', jsonb_build_object('user_id', 'a1111111-1111-4111-8111-111111111111', 'kind', 'credit_pack', 'item', 'credits_1000', 'credits', '1000')))),
  'processed', 'The same purchase seen as payment_intent.succeeded is processed');
select is(tests.available(:ada), 1500::bigint, 'but credits nothing more: one purchase, one grant');
select is((select count(*)::int from public.credit_transactions where stripe_object_id = 'pi_pack1'), 1,
  'Exactly one ledger row for the purchase');
select is((select status from public.stripe_events where id = 'evt_pi1'), 'processed', 'Both events are recorded as processed');

-- Renewal ---------------------------------------------------------------------------------------------------------
select is(tests.ingest(tests.ev('evt_inv1', 'invoice.paid', 2000, jsonb_build_object(
  'id', 'in_1', 'object', 'invoice', 'customer', 'cus_ada', 'billing_reason', 'subscription_cycle',
  'amount_paid', 1500, 'currency', 'usd',
  'parent', jsonb_build_object('subscription_details', jsonb_build_object('subscription', 'sub_1',
    'metadata', jsonb_build_object('user_id', 'a1111111-1111-4111-8111-111111111111', 'plan', 'plus', 'monthly_credits', '2000')))))),
  'processed', 'A paid renewal invoice is processed');
select is(tests.ingest(tests.ev('evt_inv1b', 'invoice.paid', 2001, jsonb_build_object(
  'id', 'in_1', 'object', 'invoice', 'customer', 'cus_ada', 'amount_paid', 1500, 'currency', 'usd',
  'parent', jsonb_build_object('subscription_details', jsonb_build_object('subscription', 'sub_1',
    'metadata', jsonb_build_object('monthly_credits', '2000')))))),
  'processed', 'The same invoice under another event id is processed');
select is(tests.available(:ada), 3500::bigint, 'and the period''s credits are granted once');
select is(tests.ingest(tests.ev('evt_inv2', 'invoice.paid', 2002, '{"id":"in_oneoff","customer":"cus_ada"}')), 'ignored',
  'An invoice without a subscription is ignored');

-- Subscription state, out of order ---------------------------------------------------------------------------
reset role;
create function tests.sub_event(p_id text, p_type text, p_created bigint, p_status text)
returns text language sql as $$
  select tests.ingest(tests.ev(p_id, p_type, p_created, jsonb_build_object(
    'id', 'sub_1', 'object', 'subscription', 'customer', 'cus_ada', 'status', p_status, 'cancel_at_period_end', false,
    'metadata', jsonb_build_object('plan', 'plus', 'monthly_credits', '2000'),
    'items', jsonb_build_object('data', jsonb_build_array(jsonb_build_object(
      'current_period_start', 1700000000, 'current_period_end', 1702592000))))))
$$;
grant execute on function tests.sub_event(text, text, bigint, text) to service_role;
set local role service_role;
select tests.sub_event('evt_s2', 'customer.subscription.updated', 3002, 'active');
select tests.sub_event('evt_s1', 'customer.subscription.created', 3001, 'incomplete');
select results_eq(
  $$ select subscription_status, subscription_plan, stripe_subscription_id, included_monthly_credits
     from public.user_credits where user_id = 'a1111111-1111-4111-8111-111111111111' $$,
  $$ values ('active'::text, 'plus'::text, 'sub_1'::text, 2000) $$,
  'updated(active) before created(incomplete) ends active'
);
select tests.sub_event('evt_s4', 'customer.subscription.deleted', 3010, 'canceled');
select tests.sub_event('evt_s3', 'customer.subscription.updated', 3005, 'active');
select is((select subscription_status from public.user_credits where user_id = :ada), 'canceled',
  'A late updated(active) does not revive a deleted subscription');
select tests.sub_event('evt_s5', 'customer.subscription.updated', 3010, 'active');
select is((select subscription_status from public.user_credits where user_id = :ada), 'canceled',
  'In the same second, canceled is not undone');
select tests.sub_event('evt_s6', 'customer.subscription.created', 4000, 'incomplete');
select tests.sub_event('evt_s7', 'customer.subscription.updated', 4000, 'active');
select is((select subscription_status from public.user_credits where user_id = :ada), 'active',
  'In the same second, the further-along state wins (incomplete -> active)');
select is((select subscription_synced_at from public.user_credits where user_id = :ada), to_timestamp(4000),
  'The newest applied event time is kept');

-- Refunds --------------------------------------------------------------------------------------------------------
reset role;
create function tests.refund_event(p_id text, p_refunded bigint)
returns text language sql as $$
  select tests.ingest(tests.ev(p_id, 'charge.refunded', 5000, jsonb_build_object(
    'id', 'ch_pack1', 'object', 'charge', 'amount', 1000, 'amount_captured', 1000, 'amount_refunded', p_refunded,
    'customer', 'cus_ada', 'payment_intent', 'pi_pack1', 'metadata', jsonb_build_object('kind', 'credit_pack', 'credits', '1000'))))
$$;
grant execute on function tests.refund_event(text, bigint) to service_role;
set local role service_role;
select is(tests.refund_event('evt_r1', 250), 'processed', 'A partial refund is processed');
select is(tests.available(:ada), 3250::bigint, 'and claws back the refunded share of the credits');
select is(tests.refund_event('evt_r1b', 250), 'processed', 'The same refund state under another event');
select is(tests.available(:ada), 3250::bigint, 'claws back nothing more');
select is(tests.refund_event('evt_r2', 1000), 'processed', 'The rest refunded later');
select is(tests.available(:ada), 2500::bigint, 'claws back only the remainder: 1000 in total');
select is(
  (select sum(-amount + owed_delta)::int from public.credit_transactions where type = 'refund' and stripe_object_id = 'ch_pack1'),
  1000, 'The clawbacks add up to the credits bought');

-- Failures change nothing --------------------------------------------------------------------------------------
select matches(
  tests.error_of($$ select private.ingest_stripe_event(tests.ev('evt_x1', 'checkout.session.completed', 6000,
    '{"id":"cs_test_x","mode":"payment","payment_status":"paid","customer":"cus_unknown","payment_intent":"pi_x","amount_total":500,"currency":"usd","metadata":{"item":"credits_500","credits":"500"}}')) $$),
  '^P0001 unknown_customer: ', 'An event for a customer we do not know yet fails (so Stripe retries)');
select is((select count(*)::int from public.stripe_events where id = 'evt_x1'), 0, 'and leaves no trace: the retry will apply it');
reset role;
update public.users set stripe_customer_id = 'cus_unknown' where id = :ada;
set local role service_role;
select is(tests.ingest(tests.ev('evt_x1', 'checkout.session.completed', 6000,
    '{"id":"cs_test_x","mode":"payment","payment_status":"paid","customer":"cus_unknown","payment_intent":"pi_x","amount_total":500,"currency":"usd","metadata":{"item":"credits_500","credits":"500"}}')),
  'processed', 'The retry after the customer is linked succeeds');
select is(tests.available(:ada), 3000::bigint, 'and credits once');
select is(tests.ingest(tests.ev('evt_x2', 'checkout.session.completed', 6000,
    '{"id":"cs_test_y","mode":"payment","payment_status":"paid","customer":"cus_unknown","payment_intent":"pi_y","amount_total":730,"currency":"usd","metadata":{}}')),
  'processed', 'A payment whose amount buys no pack is recorded');
select is(tests.available(:ada), 3000::bigint, 'and grants nothing');
select results_eq(
  $$ select kind, stripe_event_id, granted_credits, amount_cents, currency from private.payment_anomalies where stripe_object_id = 'pi_y' $$,
  $$ values ('amount_unmatched', 'evt_x2', 0::bigint, 730::bigint, 'usd') $$,
  'but keeps the payment as an anomaly for a person to resolve');
select is(tests.ingest(tests.ev('evt_x3', 'checkout.session.completed', 6000,
    '{"id":"cs_test_z","mode":"payment","payment_status":"paid","customer":"cus_unknown","payment_intent":"pi_z","amount_total":500,"currency":"usd","metadata":{"item":"credits_5500","credits":"10000"}}')),
  'processed', 'A session whose metadata claims 10,000 credits for the 500-credit price is processed');
select is(tests.available(:ada), 3500::bigint, 'and grants the 500 credits that were paid for');
select results_eq(
  $$ select kind, claimed_item, claimed_credits, granted_credits from private.payment_anomalies where stripe_object_id = 'pi_z' $$,
  $$ values ('metadata_mismatch', 'credits_5500', 10000::bigint, 500::bigint) $$,
  'and records what the metadata claimed');
select matches(tests.error_of($$ select private.ingest_stripe_event('{"id":"nope"}') $$), '^P0001 event_invalid: ',
  'Something that is not an event is refused');
select is(tests.ingest(tests.ev('evt_u1', 'customer.tax_id.created', 6000, '{"id":"txi_1"}')), 'ignored',
  'Unknown event types are recorded as ignored');

-- Checkout claims ------------------------------------------------------------------------------------------------
select isnt((select checkout_id from private.begin_checkout(:ada, 'pack', 'credits_1000', 1000, 1000)), null,
  'A checkout can be started');
select matches(
  tests.error_of($$ select private.begin_checkout('a1111111-1111-4111-8111-111111111111', 'pack', 'credits_500', 500, 500) $$),
  '^P0001 checkout_in_progress: ', 'A second concurrent checkout is refused');
select lives_ok(
  $$ select private.open_checkout((select id from private.checkout_sessions where status = 'creating'), 'cs_test_open', 'http://x/checkout/cs_test_open', now() + interval '1 day') $$,
  'The claim records its Stripe session');
select is((select superseded_session_ids from private.begin_checkout(:ada, 'pack', 'credits_500', 500, 500)), array['cs_test_open'],
  'An open checkout gives way to a new one at once, and is named so it can be expired at Stripe');
select lives_ok(
  $$ select private.abandon_checkout((select id from private.checkout_sessions where status = 'creating')) $$,
  'The new claim is let go');
select tests.ingest(tests.ev('evt_csopen', 'checkout.session.completed', 7000, jsonb_build_object(
  'id', 'cs_test_open', 'mode', 'payment', 'payment_status', 'paid', 'customer', 'cus_unknown', 'payment_intent', 'pi_open',
  'amount_total', 1000, 'currency', 'usd', 'metadata', jsonb_build_object('item', 'credits_1000', 'credits', '1000'))));
select isnt((select checkout_id from private.begin_checkout(:ada, 'pack', 'credits_500', 500, 500)), null,
  'Once paid, a new checkout can start');

select lives_ok(
  $$ select private.open_checkout((select id from private.checkout_sessions where status = 'creating'), 'cs_test_left', 'http://x/checkout/cs_test_left', now() + interval '1 day') $$,
  'A checkout is opened and then left alone');
reset role;
update private.checkout_sessions set created_at = now() - interval '20 minutes' where stripe_session_id = 'cs_test_left';
set local role service_role;
select is((select superseded_session_ids from private.begin_checkout(:ada, 'plan', 'plus', 2000, 1500)), array['cs_test_left'],
  'After 15 minutes it gives way to a new checkout, and is named so it can be expired at Stripe');

-- Paid amounts, not metadata: a renewal grants the plan whose price its invoice paid, a refund claws back in
-- proportion to the credits its payment granted -------------------------------------------------------------------
reset role;
-- A paid subscription invoice for sub_g whose subscription metadata claims p_plan / p_credits.
create function tests.invoice(p_event text, p_invoice text, p_paid bigint, p_currency text, p_plan text, p_credits text)
returns text language sql as $$
  select private.ingest_stripe_event(tests.ev(p_event, 'invoice.paid', 1000, jsonb_build_object(
    'id', p_invoice, 'object', 'invoice', 'customer', 'cus_grace', 'billing_reason', 'subscription_cycle',
    'amount_paid', p_paid, 'currency', p_currency,
    'parent', jsonb_build_object('subscription_details', jsonb_build_object('subscription', 'sub_g',
      'metadata', jsonb_strip_nulls(jsonb_build_object('plan', p_plan, 'monthly_credits', p_credits))))))) ->> 'status'
$$;
create function tests.refund(p_event text, p_charge text, p_pi text, p_invoice text, p_paid bigint, p_refunded bigint, p_claim text)
returns text language sql as $$
  select private.ingest_stripe_event(tests.ev(p_event, 'charge.refunded', 2000, jsonb_strip_nulls(jsonb_build_object(
    'id', p_charge, 'object', 'charge', 'amount', p_paid, 'amount_captured', p_paid, 'amount_refunded', p_refunded,
    'customer', 'cus_grace', 'payment_intent', p_pi, 'invoice', p_invoice,
    'metadata', jsonb_strip_nulls(jsonb_build_object('kind', 'credit_pack', 'credits', p_claim)))))) ->> 'status'
$$;
create function tests.granted(p_key text)
returns bigint language sql as $$ select amount - owed_delta from public.credit_transactions where idempotency_key = p_key $$;
grant execute on all functions in schema tests to service_role;

\set grace '''b2222222-2222-4222-8222-222222222222'''
select tests.create_onboarded_user(:grace, 'grace@example.com');
update public.users set stripe_customer_id = 'cus_grace' where id = :grace;
set local role service_role;
select is(tests.available(:grace), 500::bigint, 'Grace starts with her starting credits');

-- Renewals: the plan whose price was paid -------------------------------------------------------------------------
select is(tests.invoice('evt_g1', 'in_g1', 1500, 'usd', 'pro', '100000'), 'processed',
  'An invoice that paid the Plus price but whose metadata claims Pro and 100,000 credits is processed');
select is(tests.granted('stripe:inv:in_g1'), 2000::bigint, 'and grants Plus''s 2,000 monthly credits');
select results_eq(
  $$ select kind, claimed_item, claimed_credits, granted_credits, amount_cents, currency
     from private.payment_anomalies where stripe_object_id = 'in_g1' $$,
  $$ values ('metadata_mismatch', 'pro', 100000::bigint, 2000::bigint, 1500::bigint, 'usd') $$,
  'and records what the metadata claimed');
select is(tests.invoice('evt_g1b', 'in_g1', 1500, 'usd', 'pro', '100000'), 'processed', 'The same invoice again');
select is(tests.available(:grace), 2500::bigint, 'grants the period once');

select is(tests.invoice('evt_g2', 'in_g2', 4000, 'usd', null, null), 'processed',
  'An invoice that paid the Pro price without metadata is processed');
select is(tests.granted('stripe:inv:in_g2'), 6000::bigint, 'and grants Pro''s 6,000 credits');
select is((select count(*)::int from private.payment_anomalies where stripe_object_id = 'in_g2'), 0,
  'with no anomaly: nothing was claimed');

select is(tests.invoice('evt_g3', 'in_g3', 4000, 'usd', 'pro', '6000'), 'processed', 'A matching Pro invoice');
select is((select count(*)::int from private.payment_anomalies where stripe_object_id = 'in_g3'), 0,
  'records no anomaly');

select is(tests.invoice('evt_g4', 'in_g4', 733, 'usd', 'plus', '2000'), 'processed',
  'A prorated invoice whose amount buys no plan is still processed (the payment is not lost)');
select is(tests.granted('stripe:inv:in_g4'), null, 'but grants nothing');
select results_eq(
  $$ select kind, stripe_event_id, claimed_item, granted_credits, amount_cents from private.payment_anomalies where stripe_object_id = 'in_g4' $$,
  $$ values ('amount_unmatched', 'evt_g4', 'plus', 0::bigint, 733::bigint) $$,
  'and keeps it for a person to resolve');
select is(tests.invoice('evt_g5', 'in_g5', 1500, 'eur', 'plus', '2000'), 'processed', 'The Plus amount in another currency');
select is(tests.granted('stripe:inv:in_g5'), null, 'buys no plan either');

-- Refunds: in proportion to what the payment granted ------------------------------------------------------------
select is(private.ingest_stripe_event(tests.ev('evt_gp', 'payment_intent.succeeded', 1500,
  jsonb_build_object('id', 'pi_g500', 'object', 'payment_intent', 'amount_received', 500, 'currency', 'usd', 'customer', 'cus_grace',
    'metadata', jsonb_build_object('kind', 'credit_pack', 'item', 'credits_500', 'credits', '500')))) ->> 'status', 'processed',
  'A 500-credit pack is bought');
select is(tests.refund('evt_gr1', 'ch_g500', 'pi_g500', null, 500, 500, '100000'), 'processed',
  'A full refund of the 500-credit pack whose charge metadata claims 100,000 credits is processed');
select is((select sum(-amount + owed_delta)::bigint from public.credit_transactions where type = 'refund' and stripe_object_id = 'ch_g500'),
  500::bigint, 'and claws back the 500 credits the payment granted, not the metadata''s');
select is(tests.refund('evt_gr2', 'ch_gin1', null, 'in_g1', 1500, 750, null), 'processed',
  'Half of a Plus renewal refunded, with no credits in the charge metadata');
select is((select sum(-amount + owed_delta)::bigint from public.credit_transactions where type = 'refund' and stripe_object_id = 'ch_gin1'),
  1000::bigint, 'claws back half the 2,000 credits the invoice granted');

select * from finish();
rollback;
