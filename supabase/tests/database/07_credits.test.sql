-- Credits, the ledger, Stripe events and budgets: users read their own money, only the service moves it.
begin;
\ir _helpers.psql
select plan(44);

select tests.create_onboarded_user('11111111-1111-4111-8111-111111111111', 'ada@example.com', '{}', '+13035550111');
select tests.create_onboarded_user('22222222-2222-4222-8222-222222222222', 'bob@example.com');

insert into public.stripe_events (id, type, payload, status, processed_at)
values ('evt_1Abc', 'checkout.session.completed', '{"id":"evt_1Abc"}', 'processed', now());

-- Owner ---------------------------------------------------------------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');

select results_eq(
  $$ select user_id, available_credits from public.user_credits $$,
  $$ values ('11111111-1111-4111-8111-111111111111'::uuid, 500::bigint) $$,
  'The owner reads only their own balance'
);
select results_eq(
  $$ select user_id, type from public.credit_transactions $$,
  $$ values ('11111111-1111-4111-8111-111111111111'::uuid, 'signup_grant') $$,
  'The owner reads only their own ledger'
);
select throws_ok(
  $$ update public.user_credits set available_credits = 1000000 $$,
  '42501', null,
  'A user cannot change their balance'
);
select throws_ok(
  $$ update public.user_credits set subscription_plan = 'pro', subscription_status = 'active' $$,
  '42501', null,
  'A user cannot give themselves a subscription'
);
select throws_ok(
  $$ insert into public.user_credits (user_id, available_credits) values ('11111111-1111-4111-8111-111111111111', 9) $$,
  '42501', null,
  'A user cannot create a balance row'
);
select throws_ok(
  $$ delete from public.user_credits $$,
  '42501', null,
  'A user cannot delete their balance row'
);
select throws_ok(
  $$ insert into public.credit_transactions (user_id, type, amount, balance_after, reserved_after, idempotency_key)
     values ('11111111-1111-4111-8111-111111111111', 'purchase', 100000, 100500, 0, 'free-money') $$,
  '42501', null,
  'A user cannot write ledger rows'
);
select throws_ok(
  $$ update public.credit_transactions set amount = 100000 $$,
  '42501', null,
  'A user cannot edit ledger rows'
);
select throws_ok(
  $$ delete from public.credit_transactions $$,
  '42501', null,
  'A user cannot delete ledger rows'
);
select throws_ok($$ select * from public.stripe_events $$, '42501', null, 'A user cannot read Stripe events');
select throws_ok(
  $$ insert into public.stripe_events (id, type, payload) values ('evt_Fake', 'invoice.paid', '{}') $$,
  '42501', null,
  'A user cannot record Stripe events'
);

-- Budgets: the owner's to edit.
select results_eq(
  $$ select max_cost_per_call_cents, max_monthly_spend_cents from public.user_budget_settings $$,
  $$ values (1000, 10000) $$,
  'The owner reads their budget'
);
select results_eq(
  $$ update public.user_budget_settings set max_cost_per_call_cents = 500, max_monthly_spend_cents = 5000, warn_at_percent_per_call = 90,
       enable_auto_cutoff = false returning max_cost_per_call_cents, max_monthly_spend_cents, warn_at_percent_per_call, enable_auto_cutoff $$,
  $$ values (500, 5000, 90, false) $$,
  'The owner can change their budget'
);
select lives_ok(
  $$ insert into public.user_budget_settings (user_id, max_cost_per_call_cents, max_monthly_spend_cents)
     values ('11111111-1111-4111-8111-111111111111', 400, 4000)
     on conflict (user_id) do update set max_cost_per_call_cents = excluded.max_cost_per_call_cents,
       max_monthly_spend_cents = excluded.max_monthly_spend_cents, user_id = excluded.user_id $$,
  'The owner can upsert their budget'
);
select throws_ok(
  $$ update public.user_budget_settings set warn_at_percent_per_call = 150 $$,
  '23514', null,
  'A warning percentage above 100 is rejected'
);
select throws_ok(
  $$ update public.user_budget_settings set warn_at_percent_per_call = 0 $$,
  '23514', null,
  'A warning percentage of 0 is rejected'
);
select throws_ok(
  $$ update public.user_budget_settings set max_cost_per_call_cents = 0 $$,
  '23514', null,
  'A per-call cap must be positive'
);
select throws_ok(
  $$ update public.user_budget_settings set max_cost_per_call_cents = 5000, max_monthly_spend_cents = 1000 $$,
  '23514', null,
  'A per-call cap cannot exceed the monthly cap'
);
select throws_ok(
  $$ update public.user_budget_settings set user_id = '22222222-2222-4222-8222-222222222222' $$,
  '42501', null,
  'A user cannot move their budget row to someone else'
);
reset role;

-- Other users and anon -------------------------------------------------------------------------------------
select tests.authenticate_as('22222222-2222-4222-8222-222222222222');
select is_empty(
  $$ select 1 from public.user_credits where user_id = '11111111-1111-4111-8111-111111111111'
     union all select 1 from public.credit_transactions where user_id = '11111111-1111-4111-8111-111111111111'
     union all select 1 from public.user_budget_settings where user_id = '11111111-1111-4111-8111-111111111111' $$,
  'Another user sees none of the balance, ledger or budget'
);
select is_empty(
  $$ update public.user_budget_settings set max_monthly_spend_cents = 100000
     where user_id = '11111111-1111-4111-8111-111111111111' returning 1 $$,
  'Another user cannot change the budget'
);
select throws_ok(
  $$ insert into public.user_budget_settings (user_id) values ('11111111-1111-4111-8111-111111111111') $$,
  '42501', null,
  'Another user cannot create a budget for the owner'
);
reset role;

select tests.authenticate_as_anon();
select throws_ok($$ select * from public.user_credits $$, '42501', null, 'anon cannot read balances');
select throws_ok($$ select * from public.credit_transactions $$, '42501', null, 'anon cannot read the ledger');
select throws_ok($$ select * from public.user_budget_settings $$, '42501', null, 'anon cannot read budgets');
reset role;

-- Balance and ledger constraints (as the service) ---------------------------------------------------------
select throws_ok(
  $$ update public.user_credits set available_credits = -1 where user_id = '11111111-1111-4111-8111-111111111111' $$,
  '23514', null,
  'The available balance cannot go negative'
);
select throws_ok(
  $$ update public.user_credits set reserved_credits = -1 where user_id = '11111111-1111-4111-8111-111111111111' $$,
  '23514', null,
  'Reserved credits cannot go negative'
);
select throws_ok(
  $$ update public.user_credits set subscription_status = 'active' where user_id = '11111111-1111-4111-8111-111111111111' $$,
  '23514', null,
  'A subscription status needs a plan'
);

create function tests.ledger_row(p_type text, p_amount bigint, p_reserved_delta bigint, p_balance_after bigint,
                                 p_key text, p_call uuid default null)
returns void language sql as $$
  insert into public.credit_transactions
    (user_id, type, amount, reserved_delta, balance_after, reserved_after, idempotency_key, call_id)
  values ('11111111-1111-4111-8111-111111111111', p_type, p_amount, p_reserved_delta, p_balance_after,
          greatest(p_reserved_delta, 0), p_key, p_call)
$$;

select throws_ok(
  $$ select tests.ledger_row('signup_grant', 500, 0, 500, 'signup_grant:+13035550111') $$,
  '23505', null,
  'An idempotency key moves money once'
);
select throws_ok($$ select tests.ledger_row('gift', 10, 0, 510, 'k1') $$, '23514', null,
  'An unknown ledger type is rejected');
select throws_ok($$ select tests.ledger_row('purchase', -10, 0, 490, 'k2') $$, '23514', null,
  'A purchase must add credits');
select throws_ok($$ select tests.ledger_row('purchase', 0, 0, 500, 'k3') $$, '23514', null,
  'A ledger row must move something');
select throws_ok($$ select tests.ledger_row('charge', -600, 0, -100, 'k4') $$, '23514', null,
  'A ledger row cannot leave a negative balance');

insert into public.calls (id, user_id, persona_id, mode, payment_method, payment_status, max_duration_seconds,
                          reserved_credits)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111',
        'a0000000-0000-4000-8000-000000000001', 'browser', 'credits', 'reserved', 300, 100);

select throws_ok(
  $$ select tests.ledger_row('reservation', -100, 50, 400, 'k5', 'c1111111-1111-4111-8111-111111111111') $$,
  '23514', null,
  'A reservation moves exactly what it takes from the balance into reserved'
);
select throws_ok($$ select tests.ledger_row('reservation', -100, 100, 400, 'k6') $$, '23514', null,
  'A reservation must name its call');

-- Balance and ledger move together: checked at commit (forced here with set constraints all immediate).
create function tests.change_balance_without_ledger()
returns void language plpgsql as $$
begin
  update public.user_credits set available_credits = 1000 where user_id = '11111111-1111-4111-8111-111111111111';
  set constraints all immediate;
end;
$$;
select throws_ok($$ select tests.change_balance_without_ledger() $$, '23514', null,
  'A balance change without its ledger row cannot commit');

create function tests.ledger_without_balance_change()
returns void language plpgsql as $$
begin
  perform tests.ledger_row('promo_grant', 100, 0, 600, 'promo:1');
  set constraints all immediate;
end;
$$;
select throws_ok($$ select tests.ledger_without_balance_change() $$, '23514', null,
  'A ledger row without the balance change cannot commit');

create function tests.reserve_for_call()
returns void language plpgsql as $$
begin
  update public.user_credits set available_credits = 400, reserved_credits = 100
  where user_id = '11111111-1111-4111-8111-111111111111';
  perform tests.ledger_row('reservation', -100, 100, 400, 'reserve:c1111111-1111-4111-8111-111111111111',
                           'c1111111-1111-4111-8111-111111111111');
  set constraints all immediate;
end;
$$;
select lives_ok($$ select tests.reserve_for_call() $$, 'A reservation with its ledger row commits');
set constraints all deferred;

select throws_ok(
  $$ update public.credit_transactions set amount = 1 where user_id = '11111111-1111-4111-8111-111111111111' $$,
  '23001', null,
  'Ledger rows cannot be edited, even by the service'
);
select throws_ok(
  $$ delete from public.credit_transactions where user_id = '11111111-1111-4111-8111-111111111111' $$,
  '23001', null,
  'Ledger rows cannot be deleted, even by the service'
);

create function tests.delete_call_with_money_history()
returns void language plpgsql as $$
begin
  delete from public.calls where id = 'c1111111-1111-4111-8111-111111111111';
  set constraints all immediate;
end;
$$;
select throws_ok($$ select tests.delete_call_with_money_history() $$, '23503', null,
  'A call with ledger rows cannot be deleted on its own');

-- Stripe events ---------------------------------------------------------------------------------------------
select throws_ok(
  $$ insert into public.stripe_events (id, type, payload) values ('evt_1Abc', 'checkout.session.completed', '{}') $$,
  '23505', null,
  'A Stripe event is recorded once (duplicate deliveries conflict)'
);
select throws_ok(
  $$ insert into public.stripe_events (id, type, payload) values ('pi_123', 'invoice.paid', '{}') $$,
  '23514', null,
  'A Stripe event id must be an evt_ id'
);
select throws_ok(
  $$ insert into public.stripe_events (id, type, payload, status) values ('evt_2', 'invoice.paid', '{}', 'processed') $$,
  '23514', null,
  'A processed event must say when'
);

select * from finish();
rollback;
