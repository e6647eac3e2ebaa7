-- Spending writes need a live session: a signed-out session's access token can still read until it expires, but it
-- cannot book scheduled calls or raise budget caps.
begin;
\ir _helpers.psql
select plan(18);

select tests.create_user('11111111-1111-4111-8111-111111111111', 'ada@example.com');
insert into public.user_phone_numbers (id, user_id, phone_number, country_code)
values ('e1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', '+14155550101', 'US');

-- Ids are the server's: the booking is made as the user, then renamed by the test (as the database owner) so the
-- rest of this file can name it.
create function tests.rename_booking(p_from uuid, p_to uuid) returns void language sql security definer as $$
  update public.scheduled_calls set id = p_to where id = p_from
$$;
create function tests.book(p_id uuid) returns void language plpgsql as $$
declare v_id uuid;
begin
  insert into public.scheduled_calls (persona_id, phone_number_id, scheduled_time, timezone, local_time, recurrence)
  values ('a0000000-0000-4000-8000-000000000001', 'e1111111-1111-4111-8111-111111111111',
          now() + interval '1 day', 'UTC', '07:00', 'daily')
  returning id into v_id;
  perform tests.rename_booking(v_id, p_id);
end;
$$;
grant execute on function tests.book(uuid), tests.rename_booking(uuid, uuid) to authenticated;

-- Live session: allowed ---------------------------------------------------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select lives_ok($$ select tests.book('f1111111-1111-4111-8111-111111111111') $$, 'A live session books a recurring call');
select lives_ok(
  $$ update public.user_budget_settings set max_cost_per_call_cents = 2000, max_monthly_spend_cents = 20000 $$,
  'A live session raises its budget caps'
);
select lives_ok(
  $$ update public.scheduled_calls set status = 'canceled' where id = 'f1111111-1111-4111-8111-111111111111' $$,
  'A live session cancels a booking'
);
select tests.book('f2222222-2222-4222-8222-222222222222');

-- Signed out everywhere: Auth deletes the session rows; the token still carries the session id ----------------
reset role;
delete from auth.sessions where user_id = '11111111-1111-4111-8111-111111111111';
select ok(
  exists (select 1 from public.token_blacklist where token_id = '11111111-1111-4111-8111-111111111111'),
  'Signing out lists the session in token_blacklist'
);
select tests.authenticate_as('11111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111');

select throws_ok(
  $$ select tests.book('f3333333-3333-4333-8333-333333333333') $$,
  '42501', 'Your session has ended. Sign in again to make this change.',
  'A signed-out session cannot book a call'
);
select throws_ok(
  $$ update public.user_budget_settings set max_monthly_spend_cents = 90000 $$,
  '42501', 'Your session has ended. Sign in again to make this change.',
  'A signed-out session cannot raise its monthly cap'
);
select throws_ok(
  $$ insert into public.user_budget_settings (user_id, max_cost_per_call_cents, max_monthly_spend_cents)
     values ('11111111-1111-4111-8111-111111111111', 5000, 90000)
     on conflict (user_id) do update set max_cost_per_call_cents = excluded.max_cost_per_call_cents $$,
  '42501', 'Your session has ended. Sign in again to make this change.',
  'A signed-out session cannot raise its caps by upsert either'
);
select throws_ok(
  $$ update public.scheduled_calls set status = 'canceled' where id = 'f2222222-2222-4222-8222-222222222222' $$,
  '42501', 'Your session has ended. Sign in again to make this change.',
  'A signed-out session cannot change a booking'
);
select is(
  (select count(*)::int from public.scheduled_calls), 2,
  'Reads stay possible until the token expires'
);
select is(
  (select max_monthly_spend_cents from public.user_budget_settings), 20000,
  'The cap is unchanged'
);

-- Other ways a session is not live -------------------------------------------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111', null);
select throws_ok(
  $$ update public.user_budget_settings set max_monthly_spend_cents = 90000 $$,
  '42501', 'Your session has ended. Sign in again to make this change.',
  'A token without a session id cannot change the caps'
);

select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
reset role;
update auth.sessions set not_after = now() - interval '1 second' where id = '11111111-1111-4111-8111-111111111111';
select tests.authenticate_as('11111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111');
select throws_ok(
  $$ select tests.book('f4444444-4444-4444-8444-444444444444') $$,
  '42501', null,
  'A session past its not_after cannot book'
);

reset role;
insert into auth.sessions (id, user_id, created_at) values ('33333333-3333-4333-8333-333333333333', '11111111-1111-4111-8111-111111111111', now());
insert into public.token_blacklist (token_id, user_id, expires_at)
values ('33333333-3333-4333-8333-333333333333', '11111111-1111-4111-8111-111111111111', now() + interval '1 hour');
select tests.authenticate_as('11111111-1111-4111-8111-111111111111', '33333333-3333-4333-8333-333333333333');
select throws_ok(
  $$ select tests.book('f5555555-5555-4555-8555-555555555555') $$,
  '42501', null,
  'A session listed in token_blacklist cannot book, even if its row is still there'
);

reset role;
select set_config('request.jwt.claims', '{"sub":"11111111-1111-4111-8111-111111111111","role":"authenticated","session_id":"not-a-uuid"}', true);
set local role authenticated;
select throws_ok(
  $$ update public.user_budget_settings set max_monthly_spend_cents = 90000 $$,
  '42501', null,
  'A malformed session id is refused with the same error, not a cast failure'
);

-- A new sign-in (a new session) works again ------------------------------------------------------------------------
reset role;
insert into auth.sessions (id, user_id, created_at) values ('44444444-4444-4444-8444-444444444444', '11111111-1111-4111-8111-111111111111', now());
select tests.authenticate_as('11111111-1111-4111-8111-111111111111', '44444444-4444-4444-8444-444444444444');
select lives_ok(
  $$ update public.user_budget_settings set max_monthly_spend_cents = 30000 $$,
  'After signing in again the caps can be changed'
);

-- The service's own writes carry no user claims and pass ---------------------------------------------------------
reset role;
select set_config('request.jwt.claims', '', true);
select lives_ok(
  $$ update public.scheduled_calls set status = 'canceled' where id = 'f2222222-2222-4222-8222-222222222222' $$,
  'The service (the dispatcher) still updates bookings'
);
select set_config('request.jwt.claims', '{"role":"service_role"}', true);
select lives_ok(
  $$ update public.user_budget_settings set warn_at_percent_per_call = 80 $$,
  'A service_role request still updates budgets'
);

-- Neither function is callable by users ----------------------------------------------------------------------------
select ok(
  not has_function_privilege('authenticated', 'private.session_is_live(uuid)', 'EXECUTE')
  and not has_function_privilege('anon', 'private.session_is_live(uuid)', 'EXECUTE'),
  'session_is_live is not executable by anon or authenticated'
);

select * from finish();
rollback;
