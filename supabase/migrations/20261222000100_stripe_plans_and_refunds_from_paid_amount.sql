-- Subscription renewals and refund clawbacks follow what was paid, never metadata alone.
--
-- Credit packs were already granted from the amount paid (20261215000200). Two paths still trusted metadata:
--   * invoice.paid granted the monthly_credits named in the subscription's (or line's) metadata. Now the invoice's
--     amount_paid and currency pick the plan from private.subscription_plans (the same list as PLANS in
--     core/src/catalogue.ts; no two plans share a price) and that plan's monthly credits are granted. Metadata naming
--     another plan or other credits is recorded as a metadata_mismatch anomaly; an amount that buys no plan (a
--     prorated or discounted invoice) grants nothing and is recorded as amount_unmatched for a person to resolve.
--     An invoice that paid nothing (a free period) grants nothing and is no anomaly.
--   * charge.refunded clawed back in proportion to the charge's metadata.credits. Now it claws back in proportion
--     to the credits the ledger actually granted for that payment (the grant keyed stripe:pi:<payment_intent>, or
--     stripe:inv:<invoice> when the charge names its invoice), from the user who received them. A charge with no
--     grant (a call payment, an unmatched amount) claws back nothing.

create table if not exists private.subscription_plans (
  id              text primary key,
  monthly_credits bigint not null,
  price_cents     bigint not null,
  currency        text not null default 'usd',
  constraint subscription_plans_id_shape check (id ~ '^[a-z0-9_]{1,40}$'),
  constraint subscription_plans_credits_positive check (monthly_credits > 0),
  constraint subscription_plans_price_positive check (price_cents > 0),
  constraint subscription_plans_currency_shape check (currency ~ '^[a-z]{3}$'),
  -- The amount paid identifies the plan.
  constraint subscription_plans_one_per_price unique (currency, price_cents)
);
comment on table private.subscription_plans is
  'Monthly plans on sale: the same list as PLANS in core/src/catalogue.ts (a test compares them). A paid renewal '
  'invoice grants the monthly credits of the plan whose price it paid. Service only.';
revoke all on table private.subscription_plans from public, anon, authenticated;
grant select on table private.subscription_plans to service_role;

insert into private.subscription_plans (id, monthly_credits, price_cents, currency) values
  ('plus', 2000, 1500, 'usd'),
  ('pro', 6000, 4000, 'usd')
on conflict (id) do update
  set monthly_credits = excluded.monthly_credits, price_cents = excluded.price_cents, currency = excluded.currency;

-- Grants the monthly credits of the plan a subscription invoice paid for (under p_key, once per invoice) and records
-- an anomaly when the metadata claims another plan or other credits, or the amount buys no plan.
create or replace function private.grant_paid_plan(
  p_user uuid, p_key text, p_event_id text, p_object_id text, p_claimed_plan text, p_claimed_credits text,
  p_amount text, p_currency text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_amount  bigint := case when p_amount ~ '^[0-9]{1,12}$' then p_amount::bigint end;
  v_claimed bigint := case when p_claimed_credits ~ '^[0-9]{1,12}$' then p_claimed_credits::bigint end;
  v_item    text := pg_catalog.left(p_claimed_plan, 100);
  v_plan    private.subscription_plans;
  v_row     public.credit_transactions;
begin
  if v_amount = 0 then
    return jsonb_build_object('granted', 0, 'reason', 'nothing paid');
  end if;
  select * into v_plan from private.subscription_plans s
   where s.price_cents = v_amount and s.currency = pg_catalog.lower(p_currency);
  if not found then
    insert into private.payment_anomalies
      (kind, stripe_event_id, stripe_object_id, user_id, claimed_item, claimed_credits, granted_credits, amount_cents, currency)
    values ('amount_unmatched', p_event_id, p_object_id, p_user, v_item, v_claimed, 0, v_amount, pg_catalog.left(p_currency, 10))
    on conflict on constraint payment_anomalies_once do nothing;
    return jsonb_build_object('granted', 0, 'anomaly', 'amount_unmatched', 'amount', v_amount, 'currency', p_currency);
  end if;
  -- Subscriptions made outside our checkout may carry no metadata: only a claim that differs is an anomaly.
  if (p_claimed_plan is not null and v_item is distinct from v_plan.id)
     or (p_claimed_credits is not null and v_claimed is distinct from v_plan.monthly_credits) then
    insert into private.payment_anomalies
      (kind, stripe_event_id, stripe_object_id, user_id, claimed_item, claimed_credits, granted_credits, amount_cents, currency)
    values ('metadata_mismatch', p_event_id, p_object_id, p_user, v_item, v_claimed, v_plan.monthly_credits, v_amount, v_plan.currency)
    on conflict on constraint payment_anomalies_once do nothing;
  end if;
  v_row := private.grant_credits(p_user, v_plan.monthly_credits, 'subscription', p_key, p_event_id, p_object_id, null);
  return jsonb_build_object('granted', v_plan.monthly_credits, 'plan', v_plan.id, 'key', p_key, 'balance_after', v_row.balance_after);
end;
$$;
comment on function private.grant_paid_plan(uuid, text, text, text, text, text, text, text) is
  'Grants the monthly credits of the plan whose price (amount, currency) a subscription invoice paid, under the '
  'invoice''s key; records metadata_mismatch when the metadata claims another plan or other credits, or grants '
  'nothing and records amount_unmatched when no plan has that price. Service role only.';
revoke all on function private.grant_paid_plan(uuid, text, text, text, text, text, text, text) from public, anon, authenticated;

create or replace function private.apply_refund_event(p_event jsonb, p_charge jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_grant    public.credit_transactions;
  v_credits  bigint;
  v_paid     bigint := coalesce(nullif((p_charge ->> 'amount_captured')::bigint, 0), (p_charge ->> 'amount')::bigint);
  v_refunded bigint := (p_charge ->> 'amount_refunded')::bigint;
  v_target   bigint;
  v_done     bigint;
  v_row      public.credit_transactions;
begin
  -- The credits this payment granted, wherever its metadata says.
  select * into v_grant from public.credit_transactions t
   where t.type in ('purchase', 'subscription_grant')
     and t.idempotency_key in ('stripe:pi:' || (p_charge ->> 'payment_intent'), 'stripe:inv:' || (p_charge ->> 'invoice'))
   order by t.id
   limit 1;
  if v_grant.id is null then
    return jsonb_build_object('clawback', 0, 'reason', 'no credits were granted for this payment');
  end if;
  v_credits := v_grant.amount - v_grant.owed_delta;
  if v_paid is null or v_paid <= 0 or v_refunded is null or v_refunded < 0 then
    perform private.money_error('event_invalid', 'The refunded charge has no paid or refunded amount.');
  end if;
  perform private.lock_credits(v_grant.user_id);
  -- Refunds accumulate on the charge: claw back in proportion to the total refunded, minus what was already taken.
  v_target := least(v_credits, pg_catalog.ceil(v_credits::numeric * v_refunded / v_paid)::bigint);
  select coalesce(sum(-t.amount + t.owed_delta), 0) into v_done
  from public.credit_transactions t
  where t.user_id = v_grant.user_id and t.type = 'refund' and t.stripe_object_id = p_charge ->> 'id';
  if v_target <= v_done then
    return jsonb_build_object('clawback', 0);
  end if;
  v_row := private.grant_credits(v_grant.user_id, v_target - v_done, 'refund_clawback',
                                 'stripe:refund:' || (p_charge ->> 'id') || ':' || v_refunded,
                                 p_event ->> 'id', p_charge ->> 'id', 'Credits taken back after a refund');
  return jsonb_build_object('clawback', v_target - v_done, 'granted_for_payment', v_credits, 'owed_after', v_row.owed_after);
end;
$$;
comment on function private.apply_refund_event(jsonb, jsonb) is
  'Claws back the refunded share of the credits the ledger granted for the refunded payment (by its PaymentIntent '
  'or invoice key), never the credits named in the charge''s metadata; repeated refund events take only the rest.';
revoke all on function private.apply_refund_event(jsonb, jsonb) from public, anon, authenticated;

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
        -- Keyed by the PaymentIntent, so payment_intent.succeeded for the same purchase credits nothing more.
        v_key := case when v_obj ->> 'payment_intent' is not null then 'stripe:pi:' || (v_obj ->> 'payment_intent')
                      else 'stripe:cs:' || (v_obj ->> 'id') end;
        v_effect := private.grant_paid_pack(v_user, v_key, v_id, coalesce(v_obj ->> 'payment_intent', v_obj ->> 'id'),
                                            v_obj -> 'metadata', v_obj ->> 'amount_total', v_obj ->> 'currency');
      else
        v_effect := jsonb_build_object('checkout', v_obj ->> 'mode');
      end if;

    when v_type = 'checkout.session.expired' then
      update private.checkout_sessions set status = 'expired'
       where stripe_session_id = v_obj ->> 'id' and status in ('creating', 'open');

    when v_type = 'payment_intent.succeeded' then
      if v_obj -> 'metadata' ->> 'kind' = 'credit_pack' then
        v_user := private.stripe_event_user(v_obj -> 'metadata' ->> 'user_id', v_obj ->> 'customer');
        v_effect := private.grant_paid_pack(v_user, 'stripe:pi:' || (v_obj ->> 'id'), v_id, v_obj ->> 'id',
                                            v_obj -> 'metadata', v_obj ->> 'amount_received', v_obj ->> 'currency');
      else
        v_effect := jsonb_build_object('call_settled',
          private.record_card_event(v_obj ->> 'id', 'succeeded', (v_obj ->> 'amount_received')::integer));
      end if;

    when v_type = 'payment_intent.amount_capturable_updated' then
      v_effect := jsonb_build_object('call_authorized', private.record_card_event(v_obj ->> 'id', 'authorized', null));

    when v_type = 'payment_intent.canceled' then
      v_effect := jsonb_build_object('call_released', private.record_card_event(v_obj ->> 'id', 'canceled', null));

    when v_type = 'payment_intent.payment_failed' then
      v_effect := jsonb_build_object('call_failed', private.record_card_event(v_obj ->> 'id', 'payment_failed', null));

    when v_type = 'invoice.paid' then
      v_sub := coalesce(v_obj -> 'parent' -> 'subscription_details' ->> 'subscription', v_obj ->> 'subscription');
      if v_sub is null then
        v_status := 'ignored';   -- a one-off invoice: credit packs are granted from their payment
      else
        v_user := private.stripe_event_user(
          coalesce(v_obj -> 'parent' -> 'subscription_details' -> 'metadata' ->> 'user_id',
                   (select c.user_id::text from public.user_credits c where c.stripe_subscription_id = v_sub)),
          v_obj ->> 'customer');
        -- Keyed by the invoice: one grant per paid period however often or in whatever order it arrives. The plan
        -- is the one whose price was paid; the metadata is only compared.
        v_key := 'stripe:inv:' || (v_obj ->> 'id');
        v_effect := private.grant_paid_plan(v_user, v_key, v_id, v_obj ->> 'id',
          coalesce(v_obj -> 'parent' -> 'subscription_details' -> 'metadata' ->> 'plan',
                   v_obj -> 'lines' -> 'data' -> 0 -> 'metadata' ->> 'plan'),
          coalesce(v_obj -> 'parent' -> 'subscription_details' -> 'metadata' ->> 'monthly_credits',
                   v_obj -> 'lines' -> 'data' -> 0 -> 'metadata' ->> 'monthly_credits'),
          v_obj ->> 'amount_paid', v_obj ->> 'currency');
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
  'Records a verified Stripe event and applies its effect in the same transaction: credit purchases (the pack '
  'whose price was paid, keyed by PaymentIntent; see grant_paid_pack), renewals (the plan whose price the invoice '
  'paid, keyed by invoice; see grant_paid_plan), subscription state (newest event wins), card-paid call payments, '
  'refund clawbacks (of the credits the payment granted). A duplicate returns status duplicate and changes nothing; '
  'an error changes nothing.';
