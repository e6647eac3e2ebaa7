-- Webhook events answered 2xx but never applied are kept for the operator in private.webhook_anomalies (what, why,
-- when), whatever their payload holds; only the service reaches them. An event that names no user we could ever find
-- is invalid (permanent); only a well-formed customer id we do not know yet is worth Stripe's retries.
begin;
\ir _helpers.psql
select plan(10);

set local role service_role;
select isnt(
  private.record_webhook_anomaly('stripe', 'evt_anomaly1', 'payment_intent.succeeded', 'idempotency_key_reused',
    'The idempotency key stripe:pi:pi_1 was already used for a different change.',
    '{"id":"evt_anomaly1","object":"event","type":"payment_intent.succeeded","created":1700000000,"livemode":false,"data":{"object":{"id":"pi_1"}}}'),
  null, 'The service records an event it acknowledged without applying'
);
select results_eq(
  $$ select source, event_id, code, received_at <= now(), resolved_at is null from private.webhook_anomalies where event_id = 'evt_anomaly1' $$,
  $$ values ('stripe', 'evt_anomaly1', 'idempotency_key_reused', true, true) $$,
  'with what, why and when, open until resolved'
);
select is(
  (select status || ' ' || error from public.stripe_events where id = 'evt_anomaly1'),
  'failed idempotency_key_reused: The idempotency key stripe:pi:pi_1 was already used for a different change.',
  'A Stripe event of Stripe''s shape is also kept as failed, so a redelivery is a duplicate'
);
select lives_ok(
  $$ select private.record_webhook_anomaly('stripe', 'evt_anomaly2', 'x.y', 'Not A Code!', '', '{"id":"evt_anomaly2","bad":"\u0000"}') $$,
  'A payload jsonb cannot hold, a malformed code and an empty reason are still recorded'
);
select results_eq(
  $$ select code, reason, payload like '%\u0000%' from private.webhook_anomalies where event_id = 'evt_anomaly2' $$,
  $$ values ('unclassified', 'unclassified', true) $$,
  'as received, under a code that says it was not classified'
);
reset role;

select tests.create_user('a7000000-0000-4000-8000-000000000001', 'anomaly-user@example.test');
select tests.authenticate_as('a7000000-0000-4000-8000-000000000001');
select matches(tests.error_of($$ select * from private.webhook_anomalies $$), '^42501 ', 'Users cannot read anomalies');
select matches(
  tests.error_of($$ select private.record_webhook_anomaly('stripe', null, null, 'x', 'x', 'x') $$), '^42501 ',
  'or record one'
);
reset role;

select matches(
  tests.error_of($$ select private.stripe_event_user(null, null) $$), '^P0001 event_invalid: ',
  'An event with neither a user reference nor a customer is invalid, not retried'
);
select matches(
  tests.error_of($$ select private.stripe_event_user('a7000000-0000-4000-8000-00000000ffff', '{"id":1}') $$), '^P0001 event_invalid: ',
  'nor one naming a user that does not exist and a customer that is not a Stripe customer id'
);
select matches(
  tests.error_of($$ select private.stripe_event_user(null, 'cus_notlinkedyet') $$), '^P0001 unknown_customer: ',
  'A well-formed customer id not linked yet may be a race: unknown_customer, retried'
);

select * from finish();
rollback;
