-- Read-only views for the people who run the service (operators): every account, every call, provider spend by
-- day, refunds and anomalies, for the /operator pages and for the dashboard's SQL editor.
--
-- Who is an operator: an account whose app_metadata says {"role":"operator"}. Auth copies app_metadata into every
-- access token, and only the service can change it (a user's own PUT /user writes user_metadata, never
-- app_metadata), so the claim can be trusted as signed. private.grant_operator / private.revoke_operator set it.
--
-- Why views that run with their owner's rights, each gated by private.is_operator(): the data spans every user, so
-- no RLS policy on the tables themselves may widen (an operator's own /calls page would list everyone's calls),
-- and security-definer functions are never executable by users here (01_schema_security). security_barrier keeps a
-- caller's own WHERE clause from seeing rows before the gate has removed them. A signed-in user who is not an
-- operator reads no rows; anon may not read the views at all.

-- The gate. Evaluated as the caller (functions in a view run as the querying role): a signed-in user passes only
-- with the operator claim in app_metadata of the token; the service role and database owners (the dashboard's SQL
-- editor runs as postgres) always pass. No other role is granted the views.
create or replace function private.is_operator()
returns boolean
language sql
stable
set search_path = ''
as $$
  select case
    when current_user::text = 'authenticated' then coalesce(
      nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb -> 'app_metadata' ->> 'role' = 'operator', false)
    when current_user::text = 'anon' then false
    else true
  end
$$;
comment on function private.is_operator() is
  'True for a signed-in user whose token carries app_metadata.role = operator, and for the service and database '
  'owners; gates the public.operator_* views. user_metadata is never read: users can write it.';
revoke all on function private.is_operator() from public, anon;
grant execute on function private.is_operator() to authenticated, service_role;

-- Granting and revoking -------------------------------------------------------------------------------------------
-- One function sets or clears the role; grant_operator and revoke_operator name the two uses.
create or replace function private.set_operator(p_email text, p_operator boolean)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  update auth.users u
     set raw_app_meta_data = case when p_operator
                                  then coalesce(u.raw_app_meta_data, '{}'::jsonb) || '{"role":"operator"}'::jsonb
                                  else coalesce(u.raw_app_meta_data, '{}'::jsonb) - 'role' end,
         updated_at = pg_catalog.now()
   where pg_catalog.lower(u.email) = pg_catalog.lower(pg_catalog.btrim(p_email)) and u.deleted_at is null
  returning u.id into v_id;
  if v_id is null then
    raise exception using errcode = 'P0002', message = pg_catalog.format('No account has the e-mail address %s.', p_email),
      hint = 'The person signs up first; then use the address they signed up with.';
  end if;
  return v_id;
end;
$$;
comment on function private.set_operator(text, boolean) is
  'Sets (true) or clears (false) app_metadata.role = operator on the account with this e-mail; returns its id. '
  'Service role and postgres only.';

create or replace function private.grant_operator(p_email text)
returns uuid language sql security definer set search_path = ''
as $$ select private.set_operator(p_email, true) $$;
comment on function private.grant_operator(text) is
  'Makes the account with this e-mail an operator. Effective from the user''s next token (next sign-in or refresh; '
  'the /operator pages fetch one). Service role and postgres only.';

create or replace function private.revoke_operator(p_email text)
returns uuid language sql security definer set search_path = ''
as $$ select private.set_operator(p_email, false) $$;
comment on function private.revoke_operator(text) is
  'Takes the operator role away. The /operator pages refuse at once (they ask Auth); a token issued before keeps '
  'reading the views until it expires (JWT expiry, an hour by default). Service role and postgres only.';

revoke all on function private.set_operator(text, boolean) from public, anon, authenticated;
revoke all on function private.grant_operator(text) from public, anon, authenticated;
revoke all on function private.revoke_operator(text) from public, anon, authenticated;
grant execute on function private.grant_operator(text) to service_role;
grant execute on function private.revoke_operator(text) to service_role;

-- The ledger audit as a view, so the anomalies view can read it (a view cannot call a security-definer function
-- for a user). ledger_violations() keeps its signature and answers from the view; NOT MATERIALIZED lets a filter on
-- one user reach every branch, so a per-user audit stays per user.
create or replace view private.ledger_violation_rows as
  with sums as not materialized (
    select t.user_id, sum(t.amount) as amount, sum(t.reserved_delta) as reserved, sum(t.owed_delta) as owed
    from public.credit_transactions t
    group by t.user_id
  ), chain as not materialized (
    select t.user_id, t.id, t.amount, t.reserved_delta, t.owed_delta, t.balance_after, t.reserved_after, t.owed_after,
           lag(t.balance_after, 1, 0::bigint) over w as prev_balance,
           lag(t.reserved_after, 1, 0::bigint) over w as prev_reserved,
           lag(t.owed_after, 1, 0::bigint) over w as prev_owed
    from public.credit_transactions t
    window w as (partition by t.user_id order by t.id)
  ), open_res as not materialized (
    select c.user_id, sum(c.reserved_credits) as reserved
    from public.calls c
    where c.payment_method = 'credits' and c.payment_status = 'reserved'
    group by c.user_id
  )
  select u.user_id, pg_catalog.format('available %s <> ledger sum %s', u.available_credits, coalesce(s.amount, 0)) as problem
    from public.user_credits u left join sums s on s.user_id = u.user_id
   where u.available_credits <> coalesce(s.amount, 0)
  union all
  select u.user_id, pg_catalog.format('reserved %s <> ledger sum %s', u.reserved_credits, coalesce(s.reserved, 0))
    from public.user_credits u left join sums s on s.user_id = u.user_id
   where u.reserved_credits <> coalesce(s.reserved, 0)
  union all
  select u.user_id, pg_catalog.format('owed %s <> ledger sum %s', u.owed_credits, coalesce(s.owed, 0))
    from public.user_credits u left join sums s on s.user_id = u.user_id
   where u.owed_credits <> coalesce(s.owed, 0)
  union all
  select u.user_id, pg_catalog.format('reserved %s <> open reservations %s', u.reserved_credits, coalesce(o.reserved, 0))
    from public.user_credits u left join open_res o on o.user_id = u.user_id
   where u.reserved_credits <> coalesce(o.reserved, 0)
  union all
  select u.user_id, 'negative balance'
    from public.user_credits u
   where u.available_credits < 0 or u.reserved_credits < 0 or u.owed_credits < 0
  union all
  select c.user_id, pg_catalog.format('ledger row %s does not follow from the previous one', c.id)
    from chain c
   where c.balance_after <> c.prev_balance + c.amount
      or c.reserved_after <> c.prev_reserved + c.reserved_delta
      or c.owed_after <> c.prev_owed + c.owed_delta;
comment on view private.ledger_violation_rows is
  'Every way balances disagree with the ledger; empty when the books are right. Read through ledger_violations() '
  'or public.operator_anomalies.';
revoke all on table private.ledger_violation_rows from public, anon, authenticated;
grant select on table private.ledger_violation_rows to service_role;

create or replace function private.ledger_violations(p_user_id uuid default null)
returns table (user_id uuid, problem text)
language sql
stable
security definer
set search_path = ''
as $$
  select v.user_id, v.problem from private.ledger_violation_rows v where p_user_id is null or v.user_id = p_user_id
$$;

-- The views -------------------------------------------------------------------------------------------------------
create view public.operator_calls with (security_barrier = true) as
select c.id as call_id, c.created_at, c.user_id, u.email, p.name as persona, c.mode, c.status, c.end_reason,
       c.payment_method, c.payment_status, c.duration_seconds,
       -- What the user paid: the settled charge of a credits or card call; demo calls cost nothing.
       case when c.payment_status = 'settled' and c.payment_method <> 'demo' then coalesce(c.actual_cost_cents, 0) else 0 end
         as charge_cents,
       b.total_usd as provider_cost_usd, c.error_message
  from public.calls c
  join public.users u on u.id = c.user_id
  join public.personas p on p.id = c.persona_id
  left join public.call_cost_breakdowns b on b.call_id = c.id
 where (select private.is_operator());
comment on view public.operator_calls is
  'Operators only (others read no rows): every call with its owner, status, end reason, what the user was charged '
  '(charge_cents) and what the providers cost (provider_cost_usd).';

create view public.operator_users with (security_barrier = true) as
select u.id as user_id, u.email, u.name, u.created_at as signed_up_at,
       coalesce(n.numbers, '{}') as verified_numbers,
       coalesce(k.available_credits, 0) as available_credits, coalesce(k.reserved_credits, 0) as reserved_credits,
       coalesce(k.owed_credits, 0) as owed_credits,
       coalesce(c.calls, 0) as calls, coalesce(c.spent_cents, 0) as spent_cents, c.last_call_at
  from public.users u
  left join public.user_credits k on k.user_id = u.id
  left join lateral (
    select array_agg(v.phone_number order by v.verified_at) as numbers from public.user_phone_numbers v where v.user_id = u.id
  ) n on true
  left join lateral (
    select count(*) as calls, sum(oc.charge_cents) as spent_cents, max(oc.created_at) as last_call_at
      from public.operator_calls oc where oc.user_id = u.id
  ) c on true
 where (select private.is_operator());
comment on view public.operator_users is
  'Operators only (others read no rows): every account with when it signed up, its verified numbers, balance '
  '(credits; 1 credit = 1 cent), number of calls and what it has spent in cents.';

create view public.operator_spend_by_day with (security_barrier = true) as
select (e.occurred_at at time zone 'UTC')::date as day, e.service as provider,
       count(distinct e.call_id) as calls, count(*) as events,
       sum(e.cost_usd) as cost_usd, sum(coalesce(e.calculated_cost_cents, 0)) as priced_cents
  from public.call_cost_events e
 where (select private.is_operator())
 group by 1, 2;
comment on view public.operator_spend_by_day is
  'Operators only (others read no rows): provider usage per UTC day and provider: what it cost us (cost_usd) and '
  'what it was priced at for users (priced_cents).';

create view public.operator_refunds with (security_barrier = true) as
select t.id, t.created_at, t.user_id, u.email, -t.amount as credits_taken, t.owed_delta as credits_owed,
       t.stripe_object_id as stripe_charge, t.stripe_event_id, t.description
  from public.credit_transactions t
  join public.users u on u.id = t.user_id
 where t.type = 'refund' and (select private.is_operator());
comment on view public.operator_refunds is
  'Operators only (others read no rows): credits taken back after Stripe refunds (credits_owed: the part the '
  'balance could not cover), with the refunded charge.';

create view public.operator_anomalies with (security_barrier = true) as
select * from (
  select 'payment'::text as source, a.kind as code, a.user_id, u.email,
         pg_catalog.format('paid %s %s; metadata claimed %s (%s credits); granted %s credits',
           coalesce(a.amount_cents::text, '?'), coalesce(a.currency, '?'), coalesce(a.claimed_item, 'nothing'),
           coalesce(a.claimed_credits::text, '?'), a.granted_credits) as detail,
         a.stripe_object_id as reference, a.created_at as occurred_at, a.resolved_at
    from private.payment_anomalies a left join public.users u on u.id = a.user_id
  union all
  select 'webhook', w.code, null, null, w.reason, coalesce(w.event_id, w.event_type), w.received_at, w.resolved_at
    from private.webhook_anomalies w
  union all
  select 'ledger', 'ledger_violation', l.user_id, u.email, l.problem, null, null, null
    from private.ledger_violation_rows l left join public.users u on u.id = l.user_id
) x
 where (select private.is_operator());
comment on view public.operator_anomalies is
  'Operators only (others read no rows): payments whose metadata disagreed with what was paid, webhook events '
  'acknowledged but not applied, and ledger violations (which have no time: they hold now).';

revoke all on table public.operator_calls, public.operator_users, public.operator_spend_by_day, public.operator_refunds,
  public.operator_anomalies from public, anon, authenticated;
grant select on table public.operator_calls, public.operator_users, public.operator_spend_by_day, public.operator_refunds,
  public.operator_anomalies to authenticated, service_role;
