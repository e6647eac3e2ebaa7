-- Stripe: Checkout claims (one open checkout per user) and webhook ingestion (record the event and apply its
-- effect in one transaction). Service role only.
--
-- Errors (SQLSTATE P0001, "<code>: <sentence>", code also in HINT), in addition to the ledger's:
--   checkout_in_progress   the user already has a checkout being created or open
--   unknown_checkout       no such checkout claim
--   customer_missing       the user has no Stripe customer yet
--   customer_conflict      the user is already linked to another Stripe customer
--   unknown_customer       a Stripe event names a customer/user we cannot find (transient: the webhook answers
--                          5xx so Stripe retries, e.g. when the event raced the customer link)
--   event_invalid          the event lacks what its type needs (id, type, metadata we set): recorded as failed

-- Checkout claims ------------------------------------------------------------------------------------------
create table if not exists private.checkout_sessions (
  id                  uuid primary key default gen_random_uuid(),
  user_id             uuid not null references public.users (id) on delete cascade,
  kind                text not null,
  item                text not null,
  credits             bigint not null,
  amount_cents        bigint not null,
  status              text not null default 'creating',
  stripe_session_id   text unique,
  url                 text,
  created_at          timestamptz not null default now(),
  expires_at          timestamptz,
  completed_at        timestamptz,
  constraint checkout_sessions_kind_valid check (kind in ('pack', 'plan')),
  constraint checkout_sessions_status_valid check (status in ('creating', 'open', 'complete', 'expired', 'abandoned')),
  constraint checkout_sessions_credits_positive check (credits > 0),
  constraint checkout_sessions_amount_positive check (amount_cents > 0),
  constraint checkout_sessions_open_has_session check (status <> 'open' or stripe_session_id is not null)
);
comment on table private.checkout_sessions is
  'Checkout Sessions started by users. At most one per user is being created or open (unique index), so a double '
  'click or a second tab cannot start a second payment. Service only.';
create unique index if not exists checkout_sessions_one_active_per_user
  on private.checkout_sessions (user_id) where status in ('creating', 'open');
revoke all on table private.checkout_sessions from public, anon, authenticated;
grant select, insert, update on table private.checkout_sessions to service_role;

-- Claims the user's single checkout slot. Claims that were never finished (creating for over 2 minutes) or whose
-- Stripe session has expired are cleared first, so a crash never locks a user out.
create or replace function private.begin_checkout(
  p_user_id uuid, p_kind text, p_item text, p_credits bigint, p_amount_cents bigint)
returns table (checkout_id uuid, stripe_customer_id text, email text, superseded_session_ids text[])
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user   public.users;
  v_id     uuid;
  v_open   private.checkout_sessions;
  v_stale  text[];
begin
  if p_credits is null or p_credits <= 0 or p_amount_cents is null or p_amount_cents <= 0 then
    perform private.money_error('amount_not_positive', 'A checkout must be for a positive number of credits and a positive price.');
  end if;
  select * into v_user from public.users u where u.id = p_user_id;
  if not found then
    perform private.money_error('unknown_user', 'There is no account for this user.');
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('checkout:' || p_user_id::text, 0));

  -- An open checkout left alone for 15 minutes (the user closed the tab or pressed Cancel) gives way to a new one;
  -- the caller expires it at Stripe so it can no longer be paid.
  with stale as (
    update private.checkout_sessions c
       set status = case when c.status = 'creating' then 'abandoned' else 'expired' end
     where c.user_id = p_user_id
       and ((c.status = 'creating' and c.created_at < pg_catalog.now() - interval '2 minutes')
            or (c.status = 'open' and (c.expires_at < pg_catalog.now() or c.created_at < pg_catalog.now() - interval '15 minutes')))
    returning c.stripe_session_id, c.expires_at
  )
  select coalesce(array_agg(stale.stripe_session_id) filter (
           where stale.stripe_session_id is not null and stale.expires_at >= pg_catalog.now()), '{}')
    into v_stale from stale;

  select * into v_open from private.checkout_sessions c where c.user_id = p_user_id and c.status in ('creating', 'open');
  if found then
    perform private.money_error('checkout_in_progress',
      case when v_open.status = 'open'
        then 'You already have a checkout open. Finish or cancel it (' || coalesce(v_open.url, 'see your other tab') || ') before starting another.'
        else 'A checkout is already being started for you. Wait a moment and try again.' end);
  end if;

  insert into private.checkout_sessions (user_id, kind, item, credits, amount_cents)
  values (p_user_id, p_kind, p_item, p_credits, p_amount_cents)
  returning id into v_id;
  return query select v_id, v_user.stripe_customer_id, v_user.email, v_stale;
end;
$$;
comment on function private.begin_checkout(uuid, text, text, bigint, bigint) is
  'Claims the user''s one checkout slot (checkout_in_progress if taken; an open checkout untouched for 15 minutes '
  'gives way) and returns the claim id, the Stripe customer and the superseded sessions to expire at Stripe.';

create or replace function private.link_stripe_customer(p_user_id uuid, p_customer_id text)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_existing text;
begin
  update public.users set stripe_customer_id = p_customer_id
   where id = p_user_id and stripe_customer_id is null;
  select u.stripe_customer_id into v_existing from public.users u where u.id = p_user_id;
  if not found then
    perform private.money_error('unknown_user', 'There is no account for this user.');
  end if;
  return v_existing;   -- the customer that is linked now (an earlier link wins)
end;
$$;
comment on function private.link_stripe_customer(uuid, text) is
  'Links a Stripe customer to a user unless one is already linked; returns the linked customer id.';

create or replace function private.open_checkout(p_checkout_id uuid, p_session_id text, p_url text, p_expires_at timestamptz)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  update private.checkout_sessions
     set status = 'open', stripe_session_id = p_session_id, url = p_url, expires_at = p_expires_at
   where id = p_checkout_id and status = 'creating';
  if not found then
    perform private.money_error('unknown_checkout', 'That checkout is no longer being created; start a new one.');
  end if;
end;
$$;

create or replace function private.abandon_checkout(p_checkout_id uuid)
returns void
language sql
security definer
set search_path = ''
as $$
  update private.checkout_sessions set status = 'abandoned' where id = p_checkout_id and status = 'creating';
$$;

-- Webhook ingestion ----------------------------------------------------------------------------------------
-- Our user for an event: the user_id we put in metadata when creating the object, else the customer link.
create or replace function private.stripe_event_user(p_user_ref text, p_customer text)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if p_user_ref ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select u.id into v_id from public.users u where u.id = p_user_ref::uuid;
  end if;
  if v_id is null and p_customer is not null then
    select u.id into v_id from public.users u where u.stripe_customer_id = p_customer;
  end if;
  if v_id is null then
    perform private.money_error('unknown_customer',
      format('No user is linked to Stripe customer %s (user reference %s); Stripe will retry this event.',
             coalesce(p_customer, 'none'), coalesce(p_user_ref, 'none')));
  end if;
  return v_id;
end;
$$;

-- Positive whole number from event metadata, else event_invalid.
create or replace function private.metadata_credits(p_value text, p_what text)
returns bigint
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_value is null or p_value !~ '^[1-9][0-9]{0,9}$' then
    perform private.money_error('event_invalid', format('The %s has no valid credits in its metadata (got %s).', p_what, coalesce(p_value, 'nothing')));
  end if;
  return p_value::bigint;
end;
$$;

create or replace function private.subscription_status_rank(p_status text)
returns integer
language sql
immutable
set search_path = ''
as $$
  select case p_status when 'incomplete' then 0 when 'trialing' then 1
                       when 'incomplete_expired' then 3 when 'canceled' then 3 else 2 end
$$;

create or replace function private.apply_subscription_event(p_event jsonb, p_sub jsonb, p_created timestamptz, p_deleted boolean)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_user    uuid;
  v_cur     public.user_credits;
  v_status  text := case when p_deleted then 'canceled' else p_sub ->> 'status' end;
  v_plan    text := p_sub -> 'metadata' ->> 'plan';
  v_item    jsonb := p_sub -> 'items' -> 'data' -> 0;
  v_start   bigint := coalesce((v_item ->> 'current_period_start')::bigint, (p_sub ->> 'current_period_start')::bigint);
  v_end     bigint := coalesce((v_item ->> 'current_period_end')::bigint, (p_sub ->> 'current_period_end')::bigint);
  v_monthly text := p_sub -> 'metadata' ->> 'monthly_credits';
begin
  v_user := private.stripe_event_user(p_sub -> 'metadata' ->> 'user_id', p_sub ->> 'customer');
  select * into v_cur from public.user_credits where user_id = v_user for update;
  if v_plan is null or v_plan !~ '^[a-z0-9_]{1,40}$' then
    perform private.money_error('event_invalid', 'The subscription has no plan in its metadata.');
  end if;
  -- Stripe does not deliver in order: apply only what is newer than the state we hold. Within the same second
  -- (event.created has 1 s resolution) a state at least as far along wins, so canceled is never undone.
  if v_cur.subscription_synced_at is not null
     and (p_created < v_cur.subscription_synced_at
          or (p_created = v_cur.subscription_synced_at
              and private.subscription_status_rank(v_status) < private.subscription_status_rank(v_cur.subscription_status))) then
    return jsonb_build_object('subscription', 'stale', 'kept', v_cur.subscription_status);
  end if;
  update public.user_credits
     set stripe_subscription_id = p_sub ->> 'id',
         subscription_plan = v_plan,
         subscription_status = v_status,
         current_period_start = pg_catalog.to_timestamp(v_start),
         current_period_end = pg_catalog.to_timestamp(v_end),
         cancel_at_period_end = coalesce((p_sub ->> 'cancel_at_period_end')::boolean, false),
         included_monthly_credits = case when v_monthly ~ '^[0-9]{1,9}$' then v_monthly::integer else included_monthly_credits end,
         subscription_synced_at = p_created
   where user_id = v_user;
  return jsonb_build_object('subscription', v_status);
end;
$$;

create or replace function private.apply_refund_event(p_event jsonb, p_charge jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_user     uuid;
  v_credits  bigint;
  v_paid     bigint := coalesce(nullif((p_charge ->> 'amount_captured')::bigint, 0), (p_charge ->> 'amount')::bigint);
  v_refunded bigint := (p_charge ->> 'amount_refunded')::bigint;
  v_target   bigint;
  v_done     bigint;
  v_row      public.credit_transactions;
begin
  if p_charge -> 'metadata' ->> 'credits' is null then
    return jsonb_build_object('clawback', 'not a credit purchase');
  end if;
  v_credits := private.metadata_credits(p_charge -> 'metadata' ->> 'credits', 'refunded charge');
  if v_paid is null or v_paid <= 0 or v_refunded is null or v_refunded < 0 then
    perform private.money_error('event_invalid', 'The refunded charge has no paid or refunded amount.');
  end if;
  v_user := private.stripe_event_user(p_charge -> 'metadata' ->> 'user_id', p_charge ->> 'customer');
  perform private.lock_credits(v_user);
  -- Refunds accumulate on the charge: claw back in proportion to the total refunded, minus what was already taken.
  v_target := pg_catalog.ceil(v_credits::numeric * v_refunded / v_paid)::bigint;
  select coalesce(sum(-t.amount + t.owed_delta), 0) into v_done
  from public.credit_transactions t
  where t.user_id = v_user and t.type = 'refund' and t.stripe_object_id = p_charge ->> 'id';
  if v_target <= v_done then
    return jsonb_build_object('clawback', 0);
  end if;
  v_row := private.grant_credits(v_user, v_target - v_done, 'refund_clawback',
                                 'stripe:refund:' || (p_charge ->> 'id') || ':' || v_refunded,
                                 p_event ->> 'id', p_charge ->> 'id', 'Credits taken back after a refund');
  return jsonb_build_object('clawback', v_target - v_done, 'owed_after', v_row.owed_after);
end;
$$;

create or replace function private.ingest_stripe_event(p_event jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id      text := p_event ->> 'id';
  v_type    text := p_event ->> 'type';
  v_obj     jsonb := p_event -> 'data' -> 'object';
  v_created timestamptz;
  v_new     text;
  v_user    uuid;
  v_effect  jsonb := '{}'::jsonb;
  v_status  text := 'processed';
  v_key     text;
  v_sub     text;
  v_credits bigint;
  v_row     public.credit_transactions;
begin
  if v_id is null or v_id !~ '^evt_[A-Za-z0-9]+$' or v_type is null or v_type !~ '^[a-z_]+(\.[a-z_]+)+$'
     or v_obj is null or jsonb_typeof(v_obj) <> 'object' or (p_event ->> 'created') !~ '^[0-9]{1,12}$' then
    perform private.money_error('event_invalid', 'This is not a Stripe event (id, type, created and data.object are required).');
  end if;
  v_created := pg_catalog.to_timestamp((p_event ->> 'created')::bigint);

  -- A concurrent twin blocks here until the first commits, then finds the row and changes nothing.
  insert into public.stripe_events (id, type, livemode, stripe_created_at, payload, status)
  values (v_id, v_type, coalesce((p_event ->> 'livemode')::boolean, false), v_created, p_event, 'received')
  on conflict (id) do nothing
  returning id into v_new;
  if v_new is null then
    return jsonb_build_object('status', 'duplicate', 'event', v_id);
  end if;

  case
    when v_type in ('checkout.session.completed', 'checkout.session.async_payment_succeeded') then
      update private.checkout_sessions set status = 'complete', completed_at = pg_catalog.now()
       where stripe_session_id = v_obj ->> 'id' and status in ('creating', 'open');
      v_user := private.stripe_event_user(coalesce(v_obj -> 'metadata' ->> 'user_id', v_obj ->> 'client_reference_id'), v_obj ->> 'customer');
      if v_obj ->> 'customer' is not null then
        perform private.link_stripe_customer(v_user, v_obj ->> 'customer');
      end if;
      if v_obj ->> 'mode' = 'payment' and v_obj ->> 'payment_status' = 'paid' then
        v_credits := private.metadata_credits(v_obj -> 'metadata' ->> 'credits', 'checkout session');
        -- Keyed by the PaymentIntent, so payment_intent.succeeded for the same purchase credits nothing more.
        v_key := case when v_obj ->> 'payment_intent' is not null then 'stripe:pi:' || (v_obj ->> 'payment_intent')
                      else 'stripe:cs:' || (v_obj ->> 'id') end;
        v_row := private.grant_credits(v_user, v_credits, 'purchase', v_key, v_id,
                                       coalesce(v_obj ->> 'payment_intent', v_obj ->> 'id'), null);
        v_effect := jsonb_build_object('granted', v_credits, 'key', v_key, 'balance_after', v_row.balance_after);
      else
        v_effect := jsonb_build_object('checkout', v_obj ->> 'mode');
      end if;

    when v_type = 'checkout.session.expired' then
      update private.checkout_sessions set status = 'expired'
       where stripe_session_id = v_obj ->> 'id' and status in ('creating', 'open');

    when v_type = 'payment_intent.succeeded' then
      if v_obj -> 'metadata' ->> 'kind' = 'credit_pack' then
        v_user := private.stripe_event_user(v_obj -> 'metadata' ->> 'user_id', v_obj ->> 'customer');
        v_credits := private.metadata_credits(v_obj -> 'metadata' ->> 'credits', 'payment');
        v_key := 'stripe:pi:' || (v_obj ->> 'id');
        v_row := private.grant_credits(v_user, v_credits, 'purchase', v_key, v_id, v_obj ->> 'id', null);
        v_effect := jsonb_build_object('granted', v_credits, 'key', v_key, 'balance_after', v_row.balance_after);
      else
        update public.calls
           set payment_status = 'settled', actual_cost_cents = (v_obj ->> 'amount_received')::integer
         where stripe_payment_intent_id = v_obj ->> 'id' and payment_status in ('pending', 'authorized');
        v_effect := jsonb_build_object('call_settled', found);
      end if;

    when v_type = 'payment_intent.amount_capturable_updated' then
      update public.calls set payment_status = 'authorized'
       where stripe_payment_intent_id = v_obj ->> 'id' and payment_status = 'pending';
      v_effect := jsonb_build_object('call_authorized', found);

    when v_type = 'payment_intent.canceled' then
      update public.calls set payment_status = 'released'
       where stripe_payment_intent_id = v_obj ->> 'id' and payment_status in ('pending', 'authorized');
      v_effect := jsonb_build_object('call_released', found);

    when v_type = 'payment_intent.payment_failed' then
      update public.calls set payment_status = 'failed'
       where stripe_payment_intent_id = v_obj ->> 'id' and payment_status = 'pending';
      v_effect := jsonb_build_object('call_failed', found);

    when v_type = 'invoice.paid' then
      v_sub := coalesce(v_obj -> 'parent' -> 'subscription_details' ->> 'subscription', v_obj ->> 'subscription');
      if v_sub is null then
        v_status := 'ignored';   -- a one-off invoice: credit packs are granted from their payment
      else
        v_user := private.stripe_event_user(
          coalesce(v_obj -> 'parent' -> 'subscription_details' -> 'metadata' ->> 'user_id',
                   (select c.user_id::text from public.user_credits c where c.stripe_subscription_id = v_sub)),
          v_obj ->> 'customer');
        v_credits := private.metadata_credits(
          coalesce(v_obj -> 'parent' -> 'subscription_details' -> 'metadata' ->> 'monthly_credits',
                   v_obj -> 'lines' -> 'data' -> 0 -> 'metadata' ->> 'monthly_credits',
                   (select nullif(c.included_monthly_credits, 0)::text from public.user_credits c where c.user_id = v_user)),
          'subscription invoice');
        -- Keyed by the invoice: one grant per paid period however often or in whatever order it arrives.
        v_key := 'stripe:inv:' || (v_obj ->> 'id');
        v_row := private.grant_credits(v_user, v_credits, 'subscription', v_key, v_id, v_obj ->> 'id', null);
        v_effect := jsonb_build_object('granted', v_credits, 'key', v_key, 'balance_after', v_row.balance_after);
      end if;

    when v_type in ('customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted',
                    'customer.subscription.paused', 'customer.subscription.resumed') then
      v_effect := private.apply_subscription_event(p_event, v_obj, v_created, v_type = 'customer.subscription.deleted');

    when v_type = 'charge.refunded' then
      v_effect := private.apply_refund_event(p_event, v_obj);

    else
      v_status := 'ignored';
  end case;

  update public.stripe_events
     set status = v_status, processed_at = pg_catalog.now()
   where id = v_id;
  return jsonb_build_object('status', v_status, 'event', v_id, 'effect', v_effect);
end;
$$;
comment on function private.ingest_stripe_event(jsonb) is
  'Records a verified Stripe event and applies its effect in the same transaction: credit purchases (keyed by '
  'PaymentIntent), renewals (keyed by invoice), subscription state (newest event wins), card-paid call payments, '
  'refund clawbacks. A duplicate returns status duplicate and changes nothing; an error changes nothing.';

-- Permanent problems (event_invalid) are kept for a person to look at, apart from the failed transaction.
create or replace function private.record_failed_stripe_event(p_event jsonb, p_error text)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into public.stripe_events (id, type, livemode, stripe_created_at, payload, status, error)
  select p_event ->> 'id', p_event ->> 'type', coalesce((p_event ->> 'livemode')::boolean, false),
         pg_catalog.to_timestamp((p_event ->> 'created')::bigint), p_event, 'failed', pg_catalog.left(p_error, 1000)
  where (p_event ->> 'id') ~ '^evt_[A-Za-z0-9]+$' and (p_event ->> 'type') ~ '^[a-z_]+(\.[a-z_]+)+$'
    and (p_event ->> 'created') ~ '^[0-9]{1,12}$'
  on conflict (id) do nothing;
$$;

do $$
declare
  f text;
begin
  foreach f in array array[
    'private.begin_checkout(uuid, text, text, bigint, bigint)', 'private.link_stripe_customer(uuid, text)',
    'private.open_checkout(uuid, text, text, timestamptz)', 'private.abandon_checkout(uuid)',
    'private.stripe_event_user(text, text)', 'private.metadata_credits(text, text)',
    'private.subscription_status_rank(text)', 'private.apply_subscription_event(jsonb, jsonb, timestamptz, boolean)',
    'private.apply_refund_event(jsonb, jsonb)', 'private.ingest_stripe_event(jsonb)',
    'private.record_failed_stripe_event(jsonb, text)'
  ] loop
    execute format('revoke all on function %s from public, anon, authenticated', f);
  end loop;
end;
$$;
grant execute on function private.begin_checkout(uuid, text, text, bigint, bigint) to service_role;
grant execute on function private.link_stripe_customer(uuid, text) to service_role;
grant execute on function private.open_checkout(uuid, text, text, timestamptz) to service_role;
grant execute on function private.abandon_checkout(uuid) to service_role;
grant execute on function private.ingest_stripe_event(jsonb) to service_role;
grant execute on function private.record_failed_stripe_event(jsonb, text) to service_role;
