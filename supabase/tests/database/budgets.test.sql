-- Budget status for the signed-in user: this calendar month in their time zone, only their own calls.
begin;
\ir _helpers.psql
select plan(11);

create function tests.call(p_user uuid, p_status text, p_reserved int, p_actual int, p_estimated int, p_created timestamptz)
returns void language sql as $$
  insert into public.calls (user_id, persona_id, mode, payment_method, payment_status, max_duration_seconds,
                            reserved_credits, actual_cost_cents, estimated_cost_cents, payment_intent_id, created_at)
  values (p_user, 'a0000000-0000-4000-8000-000000000001', 'browser',
          case when p_status = 'authorized' then 'card' when p_status = 'demo' then 'demo' else 'credits' end,
          case when p_status = 'demo' then 'settled' else p_status end, 600,
          p_reserved, p_actual, p_estimated,
          case when p_status = 'authorized' then 'pi_' || md5(random()::text) end, p_created)
$$;

-- Tokyo is UTC+9: the month starts at 15:00 UTC on the last day of the previous month.
select tests.create_onboarded_user('a1111111-1111-4111-8111-111111111111', 'ada@example.com', '{"timezone":"Asia/Tokyo"}');
select tests.create_onboarded_user('b2222222-2222-4222-8222-222222222222', 'bob@example.com', '{"timezone":"UTC"}');
update public.user_budget_settings set max_monthly_spend_cents = 1000, max_cost_per_call_cents = 400, warn_at_percent_per_call = 50
where user_id = 'a1111111-1111-4111-8111-111111111111';

select results_eq(
  $$ select month_start, month_end from private.budget_month('Asia/Tokyo', '2026-11-15 12:00+00') $$,
  $$ values ('2026-10-31 15:00+00'::timestamptz, '2026-11-30 15:00+00'::timestamptz) $$,
  'A budget month runs from local midnight on the 1st to local midnight on the next 1st'
);

-- This month (Tokyo): a settled call, an open reservation, a card hold and a released call (counts nothing);
-- plus one settled a minute before the Tokyo month began, which belongs to last month.
select tests.call('a1111111-1111-4111-8111-111111111111', 'settled', 0, 120, 0, now());
select tests.call('a1111111-1111-4111-8111-111111111111', 'reserved', 200, null, 0, now());
select tests.call('a1111111-1111-4111-8111-111111111111', 'authorized', 0, null, 150, now());
select tests.call('a1111111-1111-4111-8111-111111111111', 'released', 0, 0, 0, now());
select tests.call('a1111111-1111-4111-8111-111111111111', 'settled', 0, 999, 0,
                  (select month_start - interval '1 minute' from private.budget_month('Asia/Tokyo')));
select tests.call('b2222222-2222-4222-8222-222222222222', 'settled', 0, 77, 0, now());

select tests.authenticate_as('a1111111-1111-4111-8111-111111111111');

select results_eq(
  $$ select spent_cents, reserved_cents, remaining_cents, max_monthly_spend_cents, max_cost_per_call_cents, warn_at_percent_per_call
     from public.budget_status() $$,
  $$ values (120::bigint, 350::bigint, 530::bigint, 1000, 400, 50) $$,
  'Spent counts settled calls, reserved counts open reservations and card holds, remaining is what is left'
);
select is((select timezone from public.budget_status()), 'Asia/Tokyo', 'The month is in the user''s time zone');
select is((select used_percent from public.budget_status()), 47.0, 'Used percent includes what is reserved');
select is((select warn_reached from public.budget_status()), false, 'Below the warn-at percent nothing is flagged');
select is((select available_credits from public.budget_status()), 500::bigint, 'The balance comes along');

reset role;
select tests.call('a1111111-1111-4111-8111-111111111111', 'settled', 0, 40, 0, now());
select tests.authenticate_as('a1111111-1111-4111-8111-111111111111');
select is((select warn_reached from public.budget_status()), true, 'At the warn-at percent the flag is set');

select tests.authenticate_as('b2222222-2222-4222-8222-222222222222');
select results_eq(
  $$ select spent_cents, reserved_cents from public.budget_status() $$,
  $$ values (77::bigint, 0::bigint) $$,
  'Each user sees only their own spending'
);

reset role;
select set_config('request.jwt.claims', '', true);
select is_empty($$ select * from public.budget_status() $$, 'Without a signed-in user there is no budget row');
select ok(not has_function_privilege('anon', 'public.budget_status()', 'EXECUTE')
          and (select not prosecdef from pg_proc where oid = 'public.budget_status()'::regprocedure),
  'budget_status runs with the caller''s rights and anon cannot call it');

-- A free demo call records what it would have cost, but spends none of the budget.
select tests.authenticate_as('a1111111-1111-4111-8111-111111111111');
create temp table before_demo as select spent_cents, reserved_cents from public.budget_status();
reset role;
select tests.call('a1111111-1111-4111-8111-111111111111', 'demo', 0, 999, 0, now());
select tests.authenticate_as('a1111111-1111-4111-8111-111111111111');
select results_eq(
  $$ select spent_cents, reserved_cents from public.budget_status() $$,
  $$ select spent_cents, reserved_cents from before_demo $$,
  'Demo calls do not count against the monthly budget'
);
reset role;

select * from finish();
rollback;
