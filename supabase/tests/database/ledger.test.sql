-- The credit ledger functions: reserve, settle, release, grant and claw back. Each is exercised on its happy
-- path, on an idempotent repeat and on every refusal; after each step the books must balance.
begin;
\ir _helpers.psql
select plan(82);

create function tests.create_call(p_id uuid, p_user uuid, p_method text default 'credits')
returns uuid language sql as $$
  insert into public.calls (id, user_id, persona_id, mode, payment_method, max_duration_seconds)
  values (p_id, p_user, 'a0000000-0000-4000-8000-000000000001', 'browser', p_method, 600)
  returning id
$$;

create function tests.balance(p_user uuid)
returns text language sql as $$
  select format('available=%s reserved=%s owed=%s', available_credits, reserved_credits, owed_credits)
  from public.user_credits where user_id = p_user
$$;

-- Fires the commit-time (deferred) ledger checks now, as a COMMIT would.
create function tests.commit_checks()
returns void language plpgsql as $$
begin
  set constraints all immediate;
  set constraints all deferred;
end;
$$;

grant execute on all functions in schema tests to service_role, authenticated;

\set ada '''a1111111-1111-4111-8111-111111111111'''
\set bob '''b2222222-2222-4222-8222-222222222222'''

select tests.create_onboarded_user(:ada, 'ada@example.com', '{"timezone":"Europe/London"}');
select tests.create_onboarded_user(:bob, 'bob@example.com', '{"timezone":"UTC"}');
select tests.create_call('c0000000-0000-4000-8000-000000000001', :ada);
select tests.create_call('c0000000-0000-4000-8000-000000000002', :ada);
select tests.create_call('c0000000-0000-4000-8000-000000000003', :ada);
select tests.create_call('c0000000-0000-4000-8000-000000000004', :ada, 'card');
select tests.create_call('c0000000-0000-4000-8000-000000000005', :bob);
select tests.create_call('c0000000-0000-4000-8000-000000000006', :bob);
select tests.create_call('c0000000-0000-4000-8000-000000000007', :bob);

-- Access -----------------------------------------------------------------------------------------------------
select ok(
  not has_function_privilege('authenticated', 'private.reserve_call_credits(uuid, uuid, bigint, text)', 'EXECUTE')
  and not has_function_privilege('anon', 'private.settle_call(uuid, numeric, numeric, text, boolean)', 'EXECUTE')
  and not has_function_privilege('authenticated', 'private.grant_credits(uuid, bigint, text, text, text, text, text)', 'EXECUTE')
  and not has_function_privilege('authenticated', 'private.release_call(uuid, text)', 'EXECUTE'),
  'Signed-in users and anon cannot call the ledger functions'
);
select ok(
  has_function_privilege('service_role', 'private.reserve_call_credits(uuid, uuid, bigint, text)', 'EXECUTE')
  and has_function_privilege('service_role', 'private.settle_call(uuid, numeric, numeric, text, boolean)', 'EXECUTE')
  and has_function_privilege('service_role', 'private.release_call(uuid, text)', 'EXECUTE')
  and has_function_privilege('service_role', 'private.grant_credits(uuid, bigint, text, text, text, text, text)', 'EXECUTE'),
  'The service role can call the ledger functions'
);
select ok(
  (select bool_and(p.prosecdef and 'search_path=""' = any (p.proconfig)) from pg_proc p
   where p.pronamespace = 'private'::regnamespace
     and p.proname in ('reserve_call_credits', 'settle_call', 'release_call', 'grant_credits')),
  'Ledger functions are security definer with an empty search_path'
);

set local role service_role;

-- Reserve ----------------------------------------------------------------------------------------------------
select results_eq(
  $$ select type, amount, reserved_delta, balance_after, reserved_after, call_id
     from private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000001', 200, 'reserve:c1') $$,
  $$ values ('reservation'::text, -200::bigint, 200::bigint, 300::bigint, 200::bigint, 'c0000000-0000-4000-8000-000000000001'::uuid) $$,
  'A reservation moves credits from available to reserved and returns its ledger row'
);
select is(tests.balance(:ada), 'available=300 reserved=200 owed=0', 'The balance reflects the reservation');
select results_eq(
  $$ select payment_status, reserved_credits from public.calls where id = 'c0000000-0000-4000-8000-000000000001' $$,
  $$ values ('reserved'::text, 200) $$,
  'The call is marked reserved with the amount held'
);
select is(
  (select id from private.reserve_call_credits(:ada, 'c0000000-0000-4000-8000-000000000001', 200, 'reserve:c1')),
  (select id from public.credit_transactions where idempotency_key = 'reserve:c1'),
  'Reserving again with the same key returns the first ledger row'
);
select is(tests.balance(:ada), 'available=300 reserved=200 owed=0', 'The repeat changed nothing');
select is((select count(*)::int from public.credit_transactions where call_id = 'c0000000-0000-4000-8000-000000000001'), 1,
  'The repeat wrote no second ledger row');
select matches(
  tests.error_of($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000001', 250, 'reserve:c1') $$),
  '^P0001 idempotency_key_reused: ', 'The same key with another amount is refused');
select matches(
  tests.error_of($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000001', 200, 'reserve:c1-again') $$),
  '^P0001 call_already_reserved: ', 'A second reservation for the same call is refused');
select matches(
  tests.error_of($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000002', 0, 'r:zero') $$),
  '^P0001 amount_not_positive: A reservation must be', 'A zero reservation is refused with a readable sentence');
select matches(
  tests.error_of($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000002', -5, 'r:neg') $$),
  '^P0001 amount_not_positive: ', 'A negative reservation is refused');
select matches(
  tests.error_of($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000002', 10, '') $$),
  '^P0001 idempotency_key_missing: ', 'A reservation without an idempotency key is refused');
select matches(
  tests.error_of($$ select private.reserve_call_credits('00000000-0000-4000-8000-00000000dead', 'c0000000-0000-4000-8000-000000000002', 10, 'r:ghost') $$),
  '^P0001 unknown_user: ', 'A reservation for an unknown user is refused');
select matches(
  tests.error_of($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-0000000000ff', 10, 'r:nocall') $$),
  '^P0001 unknown_call: ', 'A reservation for an unknown call is refused');
select matches(
  tests.error_of($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000005', 10, 'r:bobs') $$),
  '^P0001 unknown_call: ', 'A reservation for another user''s call is refused');
select matches(
  tests.error_of($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000004', 10, 'r:card') $$),
  '^P0001 call_not_credit_paid: ', 'A card-paid call cannot reserve credits');
-- Per-call cap: 300, as much as the balance, so the refusal shows the cap is checked first.
reset role;
update public.user_budget_settings set max_cost_per_call_cents = 300 where user_id = :ada;
set local role service_role;
select matches(
  tests.error_of($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000002', 301, 'r:percall') $$),
  '^P0001 budget_exceeded_per_call: This call needs 301 credits but your per-call limit is 300', 'A reservation above the per-call cap is refused');
select matches(
  tests.error_of($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000002', 301, 'r:percall') $$),
  '^P0001 budget_exceeded_per_call: ', 'Refusals are not remembered: the same refused request is refused again');
select matches(
  tests.error_of($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000002', 301, 'r:insufficient') $$),
  '^P0001 budget_exceeded_per_call', 'The per-call cap is checked before the balance');

-- Monthly cap: 200 already reserved this month.
reset role;
update public.user_budget_settings set max_cost_per_call_cents = 300, max_monthly_spend_cents = 450 where user_id = :ada;
set local role service_role;
select matches(
  tests.error_of($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000002', 251, 'r:monthly') $$),
  '^P0001 budget_exceeded_monthly: This call needs 251 credits but only 250 of your monthly limit of 450 is left',
  'An open reservation counts against the monthly cap');
select is(tests.balance(:ada), 'available=300 reserved=200 owed=0', 'Refused reservations changed nothing');
select is((select payment_status from public.calls where id = 'c0000000-0000-4000-8000-000000000002'), 'pending',
  'A refused reservation leaves the call pending');
-- Calls of the previous month in the user's time zone do not count.
reset role;
insert into public.calls (id, user_id, persona_id, mode, payment_method, payment_status, max_duration_seconds,
                          actual_cost_cents, credits_used, created_at)
select 'c0000000-0000-4000-8000-0000000000aa', :ada, 'a0000000-0000-4000-8000-000000000001', 'browser', 'demo', 'settled',
       600, 400, 0, m.month_start - interval '1 second'
from private.budget_month('Europe/London') m;
set local role service_role;
select is(
  (select amount from private.reserve_call_credits(:ada, 'c0000000-0000-4000-8000-000000000002', 250, 'reserve:c2')), -250::bigint,
  'Exactly the rest of the monthly cap can be reserved; last month''s calls do not count');
reset role;
update public.user_budget_settings set enable_auto_cutoff = false, max_monthly_spend_cents = 450 where user_id = :ada;
set local role service_role;
select matches(
  tests.error_of($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000003', 100, 'r:over') $$),
  '^P0001 insufficient_credits: This call needs 100 credits but you have 50 available',
  'Without auto cut-off the monthly cap is advisory; the balance still limits the reservation');
select is_empty($$ select * from private.ledger_violations() $$, 'Books balance after the reservations');
select lives_ok($$ select tests.commit_checks() $$, 'The commit-time ledger checks pass after the reservations');

-- Settle -----------------------------------------------------------------------------------------------------
select is(private.charge_cents(0.5, 30), 65::bigint, '$0.50 at 30 % markup is 65 cents');
select is(private.charge_cents(0.0101, 0), 2::bigint, 'Part of a cent is rounded up (1.01 -> 2)');
select is(private.charge_cents(0.01, 0), 1::bigint, 'An exact cent is not rounded up');
select is(private.charge_cents(0.003333, 50), 1::bigint, 'Sub-cent costs are charged a whole cent');
select is(private.charge_cents(0, 30), 0::bigint, 'No cost, no charge');
select matches(tests.error_of($$ select private.charge_cents(-0.01, 30) $$), '^P0001 cost_negative: ', 'A negative cost is refused');
select matches(tests.error_of($$ select private.charge_cents(1, -1) $$), '^P0001 markup_invalid: ', 'A negative markup is refused');

select results_eq(
  $$ select type, amount, reserved_delta, balance_after, reserved_after
     from private.settle_call('c0000000-0000-4000-8000-000000000001', 0.5, 30, 'settle:c1') $$,
  $$ values ('settlement'::text, 135::bigint, -200::bigint, 185::bigint, 250::bigint) $$,
  'Settling charges 65 of the 200 reserved and returns 135 to available'
);
select results_eq(
  $$ select payment_status, actual_cost_cents, credits_used from public.calls where id = 'c0000000-0000-4000-8000-000000000001' $$,
  $$ values ('settled'::text, 65, 65) $$,
  'The call records what was charged'
);
select is(
  (select id from private.settle_call('c0000000-0000-4000-8000-000000000001', 0.5, 30, 'settle:c1')),
  (select id from public.credit_transactions where idempotency_key = 'settle:c1'),
  'Settling again with the same key returns the first result');
select is(tests.balance(:ada), 'available=185 reserved=250 owed=0', 'The repeat changed nothing');
select matches(
  tests.error_of($$ select private.settle_call('c0000000-0000-4000-8000-000000000001', 0.9, 30, 'settle:c1-other') $$),
  '^P0001 call_already_settled: ', 'A second settlement under another key is refused');
select matches(
  tests.error_of($$ select private.release_call('c0000000-0000-4000-8000-000000000001', 'release:c1') $$),
  '^P0001 call_already_settled: ', 'A settled call cannot be released');
select matches(
  tests.error_of($$ select private.settle_call('c0000000-0000-4000-8000-000000000003', 0.1, 0, 'settle:c3') $$),
  '^P0001 call_not_reserved: ', 'A call without a reservation cannot be settled');
select matches(
  tests.error_of($$ select private.settle_call('c0000000-0000-4000-8000-000000000004', 0.1, 0, 'settle:c4') $$),
  '^P0001 call_not_credit_paid: ', 'A card-paid call is not settled from credits');
select matches(
  tests.error_of($$ select private.settle_call('c0000000-0000-4000-8000-0000000000ff', 0.1, 0, 'settle:none') $$),
  '^P0001 unknown_call: ', 'Settling an unknown call is refused');
select matches(
  tests.error_of($$ select private.settle_call('c0000000-0000-4000-8000-000000000002', -1, 0, 'settle:neg') $$),
  '^P0001 cost_negative: ', 'Settling with a negative cost is refused');
select matches(
  tests.error_of($$ select private.settle_call('c0000000-0000-4000-8000-000000000002', 1, 0, 'reserve:c2') $$),
  '^P0001 idempotency_key_reused: ', 'A settlement cannot reuse a reservation''s key');

-- Above the reservation: capped by default.
select results_eq(
  $$ select amount, reserved_delta, balance_after, reserved_after
     from private.settle_call('c0000000-0000-4000-8000-000000000002', 9.99, 0, 'settle:c2') $$,
  $$ values (0::bigint, -250::bigint, 185::bigint, 0::bigint) $$,
  'A cost above the reservation is charged only the reserved amount'
);
select is((select actual_cost_cents from public.calls where id = 'c0000000-0000-4000-8000-000000000002'), 250,
  'The capped charge is what the call records');
select is_empty($$ select * from private.ledger_violations() $$, 'Books balance after the settlements');
select lives_ok($$ select tests.commit_checks() $$, 'The commit-time ledger checks pass after the settlements');

-- Release ----------------------------------------------------------------------------------------------------
select lives_ok($$ select private.reserve_call_credits('a1111111-1111-4111-8111-111111111111', 'c0000000-0000-4000-8000-000000000003', 100, 'reserve:c3') $$,
  'Reserving for the third call');
select results_eq(
  $$ select type, amount, reserved_delta, balance_after, reserved_after
     from private.release_call('c0000000-0000-4000-8000-000000000003', 'release:c3') $$,
  $$ values ('settlement'::text, 100::bigint, -100::bigint, 185::bigint, 0::bigint) $$,
  'Releasing returns the whole reservation'
);
select is((select payment_status from public.calls where id = 'c0000000-0000-4000-8000-000000000003'), 'released',
  'The call is marked released');
select is(
  (select id from private.release_call('c0000000-0000-4000-8000-000000000003', 'release:c3')),
  (select id from public.credit_transactions where idempotency_key = 'release:c3'),
  'Releasing again with the same key returns the first result');
select matches(
  tests.error_of($$ select private.settle_call('c0000000-0000-4000-8000-000000000003', 0.1, 0, 'settle:c3') $$),
  '^P0001 call_already_released: ', 'A released call cannot be settled');
select matches(
  tests.error_of($$ select private.release_call('c0000000-0000-4000-8000-000000000003', 'release:c3-again') $$),
  '^P0001 call_already_released: ', 'A released call cannot be released again under another key');
select is(tests.balance(:ada), 'available=185 reserved=0 owed=0', 'The refused repeats changed nothing');

-- Grant ------------------------------------------------------------------------------------------------------
select results_eq(
  $$ select type, amount, owed_delta, balance_after, stripe_object_id
     from private.grant_credits('b2222222-2222-4222-8222-222222222222', 1000, 'purchase', 'stripe:pi:pi_1', 'evt_1', 'pi_1') $$,
  $$ values ('purchase'::text, 1000::bigint, 0::bigint, 1500::bigint, 'pi_1'::text) $$,
  'A purchase adds credits and records the Stripe object'
);
select is(
  (select id from private.grant_credits(:bob, 1000, 'purchase', 'stripe:pi:pi_1', 'evt_2', 'pi_1')),
  (select id from public.credit_transactions where idempotency_key = 'stripe:pi:pi_1'),
  'The same purchase seen again (another event) returns the first grant');
select is(tests.balance(:bob), 'available=1500 reserved=0 owed=0', 'and credits once');
select matches(
  tests.error_of($$ select private.grant_credits('b2222222-2222-4222-8222-222222222222', 999, 'purchase', 'stripe:pi:pi_1') $$),
  '^P0001 idempotency_key_reused: ', 'The same key with another amount is refused');
select matches(
  tests.error_of($$ select private.grant_credits('b2222222-2222-4222-8222-222222222222', 100, 'subscription', 'stripe:pi:pi_1') $$),
  '^P0001 idempotency_key_reused: ', 'The same key with another kind is refused');
select matches(
  tests.error_of($$ select private.grant_credits('b2222222-2222-4222-8222-222222222222', 100, 'gift', 'g:1') $$),
  '^P0001 kind_unknown: ', 'An unknown kind is refused');
select matches(
  tests.error_of($$ select private.grant_credits('b2222222-2222-4222-8222-222222222222', 0, 'purchase', 'g:2') $$),
  '^P0001 amount_not_positive: ', 'A zero grant is refused');
select matches(
  tests.error_of($$ select private.grant_credits('00000000-0000-4000-8000-00000000dead', 10, 'adjustment', 'g:3') $$),
  '^P0001 unknown_user: ', 'A grant to an unknown user is refused');
select is(
  (select balance_after from private.grant_credits(:bob, 2000, 'subscription', 'stripe:inv:in_1', null, 'in_1')), 3500::bigint,
  'A subscription renewal adds its monthly credits');

-- Claw back: partly covered, the shortfall is owed and repaid first by the next credits.
reset role;
update public.user_budget_settings set max_cost_per_call_cents = 3000, max_monthly_spend_cents = 10000 where user_id = :bob;
set local role service_role;
select lives_ok($$ select private.reserve_call_credits('b2222222-2222-4222-8222-222222222222', 'c0000000-0000-4000-8000-000000000005', 3000, 'reserve:c5') $$,
  'Bob reserves 3000 for a call');
select results_eq(
  $$ select type, amount, owed_delta, balance_after, reserved_after, owed_after
     from private.grant_credits('b2222222-2222-4222-8222-222222222222', 1000, 'refund_clawback', 'stripe:refund:ch_1:1000', 'evt_3', 'ch_1') $$,
  $$ values ('refund'::text, -500::bigint, 500::bigint, 0::bigint, 3000::bigint, 500::bigint) $$,
  'A clawback takes what is available and records the rest as owed, leaving the reservation alone'
);
select is(
  (select id from private.grant_credits(:bob, 1000, 'refund_clawback', 'stripe:refund:ch_1:1000')),
  (select id from public.credit_transactions where idempotency_key = 'stripe:refund:ch_1:1000'),
  'A repeated clawback returns the first result');
select is(tests.balance(:bob), 'available=0 reserved=3000 owed=500', 'and takes nothing twice');
select results_eq(
  $$ select amount, reserved_delta, owed_delta, balance_after, owed_after
     from private.settle_call('c0000000-0000-4000-8000-000000000005', 10, 0, 'settle:c5') $$,
  $$ values (1500::bigint, -3000::bigint, -500::bigint, 1500::bigint, 0::bigint) $$,
  'Released credits repay what is owed before they become available'
);
select results_eq(
  $$ select amount, owed_delta, balance_after, owed_after
     from private.grant_credits('b2222222-2222-4222-8222-222222222222', 2000, 'refund_clawback', 'stripe:refund:ch_2:2000') $$,
  $$ values (-1500::bigint, 500::bigint, 0::bigint, 500::bigint) $$,
  'A second clawback again leaves a debt'
);
select results_eq(
  $$ select amount, owed_delta, balance_after, owed_after
     from private.grant_credits('b2222222-2222-4222-8222-222222222222', 300, 'purchase', 'stripe:pi:pi_2') $$,
  $$ values (0::bigint, -300::bigint, 0::bigint, 200::bigint) $$,
  'A purchase smaller than the debt goes entirely to repaying it'
);
select matches(
  tests.error_of($$ select private.reserve_call_credits('b2222222-2222-4222-8222-222222222222', 'c0000000-0000-4000-8000-000000000006', 10, 'reserve:c6') $$),
  '^P0001 insufficient_credits: ', 'A user who owes credits cannot reserve');
select results_eq(
  $$ select amount, owed_delta, balance_after, owed_after
     from private.grant_credits('b2222222-2222-4222-8222-222222222222', 1000, 'adjustment', 'adjust:1') $$,
  $$ values (800::bigint, -200::bigint, 800::bigint, 0::bigint) $$,
  'A grant larger than the debt repays it and keeps the rest'
);

-- Overage when the caller allows it: from available, then owed.
select lives_ok($$ select private.reserve_call_credits('b2222222-2222-4222-8222-222222222222', 'c0000000-0000-4000-8000-000000000006', 500, 'reserve:c6') $$,
  'Bob reserves 500');
select results_eq(
  $$ select amount, reserved_delta, owed_delta, balance_after, owed_after
     from private.settle_call('c0000000-0000-4000-8000-000000000006', 10, 0, 'settle:c6', true) $$,
  $$ values (-300::bigint, -500::bigint, 200::bigint, 0::bigint, 200::bigint) $$,
  'An allowed overage of 500 takes the 300 available and records 200 owed'
);
select is((select actual_cost_cents from public.calls where id = 'c0000000-0000-4000-8000-000000000006'), 1000,
  'The call records the full charge');

select is_empty($$ select * from private.ledger_violations() $$, 'Books balance after grants and clawbacks');
select lives_ok($$ select tests.commit_checks() $$, 'The commit-time ledger checks pass after grants and clawbacks');
select is(
  (select count(*)::int from public.credit_transactions where user_id in (:ada, :bob)),
  (select 2 + 6 + 10),
  'Exactly one ledger row per change: 2 sign-ups, 6 for Ada, 10 for Bob'
);

-- The invariant audit really catches a mismatch.
reset role;
create function tests.break_books() returns setof text language plpgsql as $$
begin
  alter table public.user_credits disable trigger user_credits_match_ledger;
  update public.user_credits set available_credits = available_credits + 1 where user_id = 'a1111111-1111-4111-8111-111111111111';
  return query select problem from private.ledger_violations('a1111111-1111-4111-8111-111111111111');
end;
$$;
select isnt_empty($$ select * from tests.break_books() $$, 'The audit reports a balance the ledger does not explain');

select * from finish();
rollback;
