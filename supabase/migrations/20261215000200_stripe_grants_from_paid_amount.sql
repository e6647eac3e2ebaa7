-- Credit purchases are granted from what was paid, never from metadata alone.
--
-- The webhook used to grant the credits named in the Checkout Session's (or PaymentIntent's) metadata. Metadata is
-- whatever the object was created with: a bug, a leaked restricted key or a hand-made session could claim 10,000
-- credits for a $5 payment. Now the amount actually paid and its currency pick the pack from the catalogue
-- (private.credit_packs, the same list as core/src/catalogue.ts, and no two packs share a price), and the pack's
-- credits are granted. The metadata is only compared:
--   * paid amount matches a pack, metadata names another pack or other credits: the paid-for pack is granted and a
--     metadata_mismatch anomaly is recorded;
--   * paid amount or currency matches no pack: nothing is granted and an amount_unmatched anomaly keeps the
--     payment (event, object, user, amount, currency) for a person to resolve by refund or adjustment. The event
--     is still answered 200: retrying would not change what was paid.
-- Anomalies are recorded once per paid object and kind, however many events describe the purchase.

create table if not exists private.credit_packs (
  id          text primary key,
  credits     bigint not null,
  price_cents bigint not null,
  currency    text not null default 'usd',
  constraint credit_packs_id_shape check (id ~ '^[a-z0-9_]{1,40}$'),
  constraint credit_packs_credits_positive check (credits > 0),
  constraint credit_packs_price_positive check (price_cents > 0),
  constraint credit_packs_currency_shape check (currency ~ '^[a-z]{3}$'),
  -- The amount paid identifies the pack.
  constraint credit_packs_one_per_price unique (currency, price_cents)
);
comment on table private.credit_packs is
  'Credit packs on sale: the same list as CREDIT_PACKS in core/src/catalogue.ts (a test compares them). The '
  'webhook grants the credits of the pack whose price was paid. Service only.';
revoke all on table private.credit_packs from public, anon, authenticated;
grant select on table private.credit_packs to service_role;

insert into private.credit_packs (id, credits, price_cents, currency) values
  ('credits_500', 500, 500, 'usd'),
  ('credits_1000', 1000, 1000, 'usd'),
  ('credits_2500', 2500, 2500, 'usd'),
  ('credits_5500', 5500, 5000, 'usd')
on conflict (id) do update set credits = excluded.credits, price_cents = excluded.price_cents, currency = excluded.currency;

create table if not exists private.payment_anomalies (
  id               bigint generated always as identity primary key,
  kind             text not null,
  stripe_event_id  text not null,
  stripe_object_id text not null,
  user_id          uuid references public.users (id) on delete set null,
  claimed_item     text,
  claimed_credits  bigint,
  granted_credits  bigint not null,
  amount_cents     bigint,
  currency         text,
  created_at       timestamptz not null default now(),
  resolved_at      timestamptz,
  resolution       text,
  constraint payment_anomalies_kind_valid check (kind in ('metadata_mismatch', 'amount_unmatched')),
  constraint payment_anomalies_granted_nonnegative check (granted_credits >= 0),
  constraint payment_anomalies_resolution_length check (char_length(resolution) <= 1000),
  constraint payment_anomalies_once unique (stripe_object_id, kind)
);
comment on table private.payment_anomalies is
  'Purchases whose metadata disagreed with what was paid (metadata_mismatch: the paid-for pack was granted) or '
  'whose amount/currency bought no pack (amount_unmatched: nothing granted; refund or adjust, then set '
  'resolved_at and resolution). Service only.';
create index if not exists payment_anomalies_open_idx on private.payment_anomalies (created_at) where resolved_at is null;
revoke all on table private.payment_anomalies from public, anon, authenticated;
grant select, update (resolved_at, resolution) on table private.payment_anomalies to service_role;

-- Grants the pack a payment paid for (under p_key, so every event of one purchase grants once) and records an
-- anomaly when the metadata claims something else or the amount buys no pack. Returns the event's effect.
create or replace function private.grant_paid_pack(
  p_user uuid, p_key text, p_event_id text, p_object_id text, p_metadata jsonb, p_amount text, p_currency text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_amount  bigint := case when p_amount ~ '^[0-9]{1,12}$' then p_amount::bigint end;
  v_claimed bigint := case when p_metadata ->> 'credits' ~ '^[0-9]{1,12}$' then (p_metadata ->> 'credits')::bigint end;
  v_item    text := pg_catalog.left(p_metadata ->> 'item', 100);
  v_pack    private.credit_packs;
  v_row     public.credit_transactions;
begin
  select * into v_pack from private.credit_packs k
   where k.price_cents = v_amount and k.currency = pg_catalog.lower(p_currency);
  if not found then
    insert into private.payment_anomalies
      (kind, stripe_event_id, stripe_object_id, user_id, claimed_item, claimed_credits, granted_credits, amount_cents, currency)
    values ('amount_unmatched', p_event_id, p_object_id, p_user, v_item, v_claimed, 0, v_amount, pg_catalog.left(p_currency, 10))
    on conflict on constraint payment_anomalies_once do nothing;
    return jsonb_build_object('granted', 0, 'anomaly', 'amount_unmatched', 'amount', v_amount, 'currency', p_currency);
  end if;
  if v_item is distinct from v_pack.id or v_claimed is distinct from v_pack.credits then
    insert into private.payment_anomalies
      (kind, stripe_event_id, stripe_object_id, user_id, claimed_item, claimed_credits, granted_credits, amount_cents, currency)
    values ('metadata_mismatch', p_event_id, p_object_id, p_user, v_item, v_claimed, v_pack.credits, v_amount, v_pack.currency)
    on conflict on constraint payment_anomalies_once do nothing;
  end if;
  v_row := private.grant_credits(p_user, v_pack.credits, 'purchase', p_key, p_event_id, p_object_id, null);
  return jsonb_build_object('granted', v_pack.credits, 'pack', v_pack.id, 'key', p_key, 'balance_after', v_row.balance_after);
end;
$$;
comment on function private.grant_paid_pack(uuid, text, text, text, jsonb, text, text) is
  'Grants the credits of the pack whose price (amount, currency) was paid, under the purchase''s key; records a '
  'metadata_mismatch anomaly when the metadata names other credits, or grants nothing and records '
  'amount_unmatched when no pack has that price. Service role only.';
revoke all on function private.grant_paid_pack(uuid, text, text, text, jsonb, text, text) from public, anon, authenticated;

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
  'Records a verified Stripe event and applies its effect in the same transaction: credit purchases (the pack '
  'whose price was paid, keyed by PaymentIntent; see grant_paid_pack), renewals (keyed by invoice), subscription '
  'state (newest event wins), card-paid call payments, refund clawbacks. A duplicate returns status duplicate and '
  'changes nothing; an error changes nothing.';
