-- Billing a customer runs alone: a checkout left open no longer blocks the next one, a card can be saved without
-- buying anything (Checkout in setup mode) and removed, card charges and refunds are kept for the billing history,
-- and the webhook entry point applies the events these need on top of what it already did.
--
-- Errors (SQLSTATE P0001, "<code>: <sentence>", code also in HINT), in addition to those of 20261124010200_stripe:
--   card_missing   (from private.require_saved_card) the user has no saved card to pay a call with

-- Checkout claims ------------------------------------------------------------------------------------------
-- A setup checkout (save a card) buys nothing: it is the one kind with no credits and no price.
alter table private.checkout_sessions
  drop constraint checkout_sessions_kind_valid,
  add constraint checkout_sessions_kind_valid check (kind in ('pack', 'plan', 'setup')),
  drop constraint checkout_sessions_credits_positive,
  add constraint checkout_sessions_credits_positive check (credits > 0 or (kind = 'setup' and credits = 0)),
  drop constraint checkout_sessions_amount_positive,
  add constraint checkout_sessions_amount_positive check (amount_cents > 0 or (kind = 'setup' and amount_cents = 0));

-- Claims the user's single checkout slot. A checkout that is already open gives way at once (the user pressed
-- Cancel on the payment page, closed the tab, or wants something else): it is marked expired and named so the
-- caller expires it at Stripe, where it can then no longer be paid. Only a checkout still being created (a double
-- click, two tabs in the same second) refuses the new one; a claim stuck creating for 2 minutes gives way too.
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
  v_stale  text[];
begin
  if p_kind = 'setup' then
    if p_credits is distinct from 0 or p_amount_cents is distinct from 0 then
      perform private.money_error('amount_not_positive', 'Saving a card buys nothing: it has no credits and no price.');
    end if;
  elsif p_credits is null or p_credits <= 0 or p_amount_cents is null or p_amount_cents <= 0 then
    perform private.money_error('amount_not_positive', 'A checkout must be for a positive number of credits and a positive price.');
  end if;
  select * into v_user from public.users u where u.id = p_user_id;
  if not found then
    perform private.money_error('unknown_user', 'There is no account for this user.');
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('checkout:' || p_user_id::text, 0));

  with stale as (
    update private.checkout_sessions c
       set status = case when c.status = 'creating' then 'abandoned' else 'expired' end
     where c.user_id = p_user_id
       and (c.status = 'open' or (c.status = 'creating' and c.created_at < pg_catalog.now() - interval '2 minutes'))
    returning c.stripe_session_id, c.expires_at
  )
  select coalesce(array_agg(stale.stripe_session_id) filter (
           where stale.stripe_session_id is not null and stale.expires_at >= pg_catalog.now()), '{}')
    into v_stale from stale;

  if exists (select 1 from private.checkout_sessions c where c.user_id = p_user_id and c.status = 'creating') then
    perform private.money_error('checkout_in_progress', 'A checkout is already being started for you. Wait a moment and try again.');
  end if;

  insert into private.checkout_sessions (user_id, kind, item, credits, amount_cents)
  values (p_user_id, p_kind, p_item, p_credits, p_amount_cents)
  returning id into v_id;
  return query select v_id, v_user.stripe_customer_id, v_user.email, v_stale;
end;
$$;
comment on function private.begin_checkout(uuid, text, text, bigint, bigint) is
  'Claims the user''s one checkout slot: an open checkout gives way at once and is returned in '
  'superseded_session_ids to be expired at Stripe; only one still being created refuses (checkout_in_progress). '
  'kind setup (save a card) has 0 credits and 0 cents. Returns the claim id and the Stripe customer.';

-- Saved card ----------------------------------------------------------------------------------------------
create table public.payment_cards (
  user_id                  uuid primary key references public.users (id) on delete cascade,
  stripe_payment_method_id text not null unique,
  brand                    text not null,
  last4                    text not null,
  exp_month                smallint not null,
  exp_year                 smallint not null,
  saved_at                 timestamptz not null default now(),
  stripe_synced_at         timestamptz not null,
  constraint payment_cards_pm_shape check (stripe_payment_method_id ~ '^pm_[A-Za-z0-9]+$'),
  constraint payment_cards_brand_shape check (brand ~ '^[a-z_]{1,20}$'),
  constraint payment_cards_last4_shape check (last4 ~ '^[0-9]{4}$'),
  constraint payment_cards_exp_month_range check (exp_month between 1 and 12),
  constraint payment_cards_exp_year_range check (exp_year between 2000 and 2200)
);
comment on table public.payment_cards is
  'The card a user saved (Checkout in setup mode), used to hold and charge card-paid calls: one per user, the '
  'Stripe customer''s default payment method. Written by the Stripe webhook, cleared when the card is removed. '
  'Owner reads only.';
comment on column public.payment_cards.stripe_synced_at is 'Created time of the Stripe event that saved it (an older event never overwrites a newer card).';
alter table public.payment_cards enable row level security;
create policy "Users can read their own saved card"
  on public.payment_cards for select to authenticated
  using (user_id = (select auth.uid()));
revoke all on table public.payment_cards from anon, authenticated;
grant select on table public.payment_cards to authenticated;
grant select, insert, update, delete on table public.payment_cards to service_role;
-- The billing page shows a card as soon as the webhook saved it.
alter publication supabase_realtime add table public.payment_cards;

-- Keeps a card payment method (with its brand, last 4 digits and expiry) as the user's saved card. p_replace: a newer
-- card replaces the saved one (an older event never does); otherwise it is kept only when none is saved. A card no
-- longer attached to a customer (removed since) is not saved. Returns the effect, or null when p_pm is not a card.
create or replace function private.keep_card(p_user uuid, p_pm jsonb, p_created timestamptz, p_replace boolean)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_card jsonb := p_pm -> 'card';
begin
  if p_pm is null or jsonb_typeof(p_pm) <> 'object' or v_card is null or jsonb_typeof(v_card) <> 'object'
     or coalesce(p_pm ->> 'id', '') !~ '^pm_[A-Za-z0-9]+$' or coalesce(v_card ->> 'last4', '') !~ '^[0-9]{4}$'
     or coalesce(v_card ->> 'exp_month', '') !~ '^[0-9]{1,2}$' or coalesce(v_card ->> 'exp_year', '') !~ '^[0-9]{4}$' then
    return null;
  end if;
  if p_pm ->> 'customer' is null then
    return jsonb_build_object('card', 'detached since; not saved');
  end if;
  insert into public.payment_cards as c (user_id, stripe_payment_method_id, brand, last4, exp_month, exp_year, stripe_synced_at)
  values (p_user, p_pm ->> 'id', pg_catalog.left(coalesce(nullif(pg_catalog.lower(v_card ->> 'brand'), ''), 'card'), 20),
          v_card ->> 'last4', (v_card ->> 'exp_month')::smallint, (v_card ->> 'exp_year')::smallint, p_created)
  on conflict (user_id) do update
     set stripe_payment_method_id = excluded.stripe_payment_method_id, brand = excluded.brand, last4 = excluded.last4,
         exp_month = excluded.exp_month, exp_year = excluded.exp_year, saved_at = pg_catalog.now(),
         stripe_synced_at = excluded.stripe_synced_at
   where p_replace and c.stripe_synced_at <= excluded.stripe_synced_at;
  return jsonb_build_object('card', p_pm ->> 'id');
end;
$$;

-- setup_intent.succeeded, its payment method expanded by the webhook handler (it fetches it from Stripe): the card
-- becomes the user's saved card.
create or replace function private.save_card_from_setup(p_event jsonb, p_seti jsonb, p_created timestamptz)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_user   uuid := private.stripe_event_user(p_seti -> 'metadata' ->> 'user_id', p_seti ->> 'customer');
  v_effect jsonb := private.keep_card(v_user, p_seti -> 'payment_method', p_created, true);
begin
  if v_effect is null then
    perform private.money_error('event_invalid', 'The SetupIntent has no card payment method with brand, last 4 digits and expiry.');
  end if;
  return v_effect;
end;
$$;
comment on function private.save_card_from_setup(jsonb, jsonb, timestamptz) is
  'setup_intent.succeeded (payment_method expanded): the card becomes the user''s saved card, unless a newer one '
  'was saved or the card was detached since. Service role only.';

-- A card saved while buying credits (Checkout with setup_future_usage attaches it to the customer) is the user's
-- saved card too when they have none yet: the billing page shows it and it can be removed, so no card stays on file
-- that the user cannot see. The webhook handler re-reads the payment method from Stripe before ingesting, so a card
-- detached since arrives detached and is not saved.
create or replace function private.save_attached_card(p_pm jsonb, p_created timestamptz)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_user uuid;
begin
  select u.id into v_user from public.users u where u.stripe_customer_id = p_pm ->> 'customer';
  if v_user is null then
    return jsonb_build_object('card', 'no user of ours');
  end if;
  return coalesce(private.keep_card(v_user, p_pm, p_created, false), jsonb_build_object('card', 'not a card'));
end;
$$;
comment on function private.save_attached_card(jsonb, timestamptz) is
  'payment_method.attached (re-read from Stripe): the card becomes the user''s saved card when they have none. '
  'Service role only.';

-- Forgets a card the user removed (after it was detached at Stripe), or that Stripe reports detached.
create or replace function private.clear_saved_card(p_user_id uuid, p_payment_method_id text)
returns boolean
language sql
security definer
set search_path = ''
as $$
  with gone as (
    delete from public.payment_cards
     where stripe_payment_method_id = p_payment_method_id and (p_user_id is null or user_id = p_user_id)
    returning 1)
  select exists (select 1 from gone);
$$;
comment on function private.clear_saved_card(uuid, text) is
  'Removes the saved card with that payment method (of that user; any user when p_user_id is null, as for '
  'payment_method.detached). Returns whether one was removed. Service role only.';

-- Refuses a card-paid call before anything is held or dialled when the user has no saved card.
create or replace function private.require_saved_card(p_user_id uuid)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_pm text;
begin
  select c.stripe_payment_method_id into v_pm from public.payment_cards c where c.user_id = p_user_id;
  if v_pm is null then
    perform private.money_error('card_missing', 'You have no saved card. Save one on the Billing page, or pay with credits.');
  end if;
  return v_pm;
end;
$$;
comment on function private.require_saved_card(uuid) is
  'The user''s saved card (payment method id), or card_missing. Service role only.';

-- Card charges and refunds --------------------------------------------------------------------------------
create table public.card_charges (
  stripe_charge_id         text primary key,
  user_id                  uuid not null references public.users (id) on delete cascade,
  stripe_payment_intent_id text,
  purpose                  text not null,
  call_id                  uuid,
  currency                 text not null,
  amount_cents             bigint not null,
  captured_cents           bigint not null default 0,
  refunded_cents           bigint not null default 0,
  charged_at               timestamptz not null,
  updated_at               timestamptz not null default now(),
  -- What was refunded of the money actually taken: Stripe counts an uncaptured remainder as refunded too.
  refund_cents             bigint generated always as (
                             case when captured_cents > 0 then greatest(refunded_cents - (amount_cents - captured_cents), 0) else 0 end) stored,
  status                   text generated always as (
                             case when captured_cents = 0 and refunded_cents >= amount_cents then 'released'
                                  when captured_cents = 0 then 'held'
                                  when refunded_cents - (amount_cents - captured_cents) >= captured_cents then 'refunded'
                                  when refunded_cents > amount_cents - captured_cents then 'partially_refunded'
                                  else 'paid' end) stored,
  constraint card_charges_id_shape check (stripe_charge_id ~ '^(ch|py)_[A-Za-z0-9]+$'),
  constraint card_charges_purpose_valid check (purpose in ('call', 'credit_pack', 'subscription', 'other')),
  constraint card_charges_currency_shape check (currency ~ '^[a-z]{3}$'),
  constraint card_charges_amounts_valid check (
    amount_cents > 0 and captured_cents between 0 and amount_cents and refunded_cents between 0 and amount_cents)
);
comment on table public.card_charges is
  'Card charges (call holds and captures, credit packs, plans) and their refunds as Stripe reported them through '
  'the webhook, for the billing history. Amounts only grow, so events in any order end in the same row. Owner reads only.';
comment on column public.card_charges.amount_cents is 'Authorised (held) or charged amount, in the smallest unit of currency.';
comment on column public.card_charges.refund_cents is 'Refunded of what was captured (an uncaptured remainder released is not a refund).';
create index card_charges_user_idx on public.card_charges (user_id, charged_at desc);
alter table public.card_charges enable row level security;
create policy "Users can read their own card charges"
  on public.card_charges for select to authenticated
  using (user_id = (select auth.uid()));
revoke all on table public.card_charges from anon, authenticated;
grant select on table public.card_charges to authenticated;
grant select on table public.card_charges to service_role;

-- Records a charge event. A charge nobody here made (no user in its metadata, no linked customer), or one without
-- the fields the history shows, is left out.
create or replace function private.record_card_charge(p_charge jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_ref     text := p_charge -> 'metadata' ->> 'user_id';
  v_user    uuid;
  v_amount  bigint := case when p_charge ->> 'amount' ~ '^[0-9]{1,12}$' then (p_charge ->> 'amount')::bigint end;
  v_capt    bigint := case when (p_charge ->> 'captured')::boolean then coalesce(nullif(p_charge ->> 'amount_captured', '')::bigint, v_amount) else 0 end;
  v_refund  bigint := coalesce(nullif(p_charge ->> 'amount_refunded', '')::bigint, 0);
  v_purpose text;
begin
  if coalesce(p_charge ->> 'id', '') !~ '^(ch|py)_[A-Za-z0-9]+$' or v_amount is null or v_amount <= 0
     or coalesce(p_charge ->> 'currency', '') !~ '^[a-z]{3}$' or (p_charge ->> 'created') !~ '^[0-9]{1,12}$' then
    -- Only the history misses it: the event's money effects (a refund's clawback) must still apply.
    return jsonb_build_object('charge', 'incomplete; not recorded');
  end if;
  if v_ref ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select u.id into v_user from public.users u where u.id = v_ref::uuid;
  end if;
  if v_user is null and p_charge ->> 'customer' is not null then
    select u.id into v_user from public.users u where u.stripe_customer_id = p_charge ->> 'customer';
  end if;
  if v_user is null then
    return jsonb_build_object('charge', 'no user of ours');
  end if;
  v_purpose := case when p_charge -> 'metadata' ->> 'call_id' is not null then 'call'
                    when p_charge -> 'metadata' ->> 'kind' = 'credit_pack' then 'credit_pack'
                    when p_charge ->> 'invoice' is not null then 'subscription'
                    else 'other' end;
  insert into public.card_charges as c (stripe_charge_id, user_id, stripe_payment_intent_id, purpose, call_id, currency,
                                        amount_cents, captured_cents, refunded_cents, charged_at)
  values (p_charge ->> 'id', v_user, p_charge ->> 'payment_intent', v_purpose,
          case when p_charge -> 'metadata' ->> 'call_id' ~* '^[0-9a-f-]{36}$' then (p_charge -> 'metadata' ->> 'call_id')::uuid end,
          p_charge ->> 'currency', v_amount, least(v_capt, v_amount), least(v_refund, v_amount),
          pg_catalog.to_timestamp((p_charge ->> 'created')::bigint))
  on conflict (stripe_charge_id) do update
     set captured_cents = greatest(c.captured_cents, excluded.captured_cents),
         refunded_cents = greatest(c.refunded_cents, excluded.refunded_cents),
         updated_at = pg_catalog.now();
  return jsonb_build_object('charge', p_charge ->> 'id');
end;
$$;
comment on function private.record_card_charge(jsonb) is
  'Keeps a Stripe charge (charge.succeeded / captured / refunded / updated) for the owner''s billing history; '
  'captured and refunded amounts only grow. Service role only.';

-- Webhook entry point --------------------------------------------------------------------------------------
-- The existing ingestion (dedupe, purchases, renewals, subscription state, clawbacks) stays as it is, under another
-- name; the entry point runs it and then, in the same transaction, the effects added here.
alter function private.ingest_stripe_event(jsonb) rename to ingest_stripe_money_event;
comment on function private.ingest_stripe_money_event(jsonb) is
  'Records a verified Stripe event and applies its money effects: credit purchases (the pack whose price was paid, '
  'keyed by PaymentIntent), renewals (the plan whose price the invoice paid, keyed by invoice), subscription state '
  '(newest event wins), card-paid call payments, refund clawbacks. Called by private.ingest_stripe_event.';
revoke all on function private.ingest_stripe_money_event(jsonb) from public, anon, authenticated, service_role;

create or replace function private.ingest_stripe_event(p_event jsonb)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_result  jsonb := private.ingest_stripe_money_event(p_event);
  v_type    text := p_event ->> 'type';
  v_obj     jsonb := p_event -> 'data' -> 'object';
  v_created timestamptz := pg_catalog.to_timestamp((p_event ->> 'created')::bigint);
  v_more    jsonb;
begin
  if v_result ->> 'status' = 'duplicate' then
    return v_result;
  end if;
  v_more := case
    when v_type in ('charge.succeeded', 'charge.captured', 'charge.refunded', 'charge.updated') then private.record_card_charge(v_obj)
    when v_type = 'setup_intent.succeeded' then private.save_card_from_setup(p_event, v_obj, v_created)
    when v_type = 'payment_method.attached' then private.save_attached_card(v_obj, v_created)
    when v_type = 'payment_method.detached' then jsonb_build_object('card_cleared', private.clear_saved_card(null, v_obj ->> 'id'))
  end;
  if v_more is null then
    return v_result;
  end if;
  update public.stripe_events set status = 'processed', processed_at = pg_catalog.now() where id = p_event ->> 'id';
  return v_result || jsonb_build_object('status', 'processed', 'effect', coalesce(v_result -> 'effect', '{}'::jsonb) || v_more);
end;
$$;
comment on function private.ingest_stripe_event(jsonb) is
  'Records a verified Stripe event and applies its effect in the same transaction: the money effects of '
  'private.ingest_stripe_money_event, then saved cards (setup_intent.succeeded with its payment method expanded, '
  'payment_method.attached when none is saved, payment_method.detached) and card charges for the billing history '
  '(charge.*). A duplicate returns status duplicate and changes nothing; an error changes nothing.';

do $$
declare
  f text;
begin
  foreach f in array array[
    'private.keep_card(uuid, jsonb, timestamptz, boolean)',
    'private.save_card_from_setup(jsonb, jsonb, timestamptz)', 'private.save_attached_card(jsonb, timestamptz)',
    'private.clear_saved_card(uuid, text)',
    'private.require_saved_card(uuid)', 'private.record_card_charge(jsonb)', 'private.ingest_stripe_event(jsonb)'
  ] loop
    execute format('revoke all on function %s from public, anon, authenticated', f);
  end loop;
end;
$$;
grant execute on function private.clear_saved_card(uuid, text) to service_role;
grant execute on function private.require_saved_card(uuid) to service_role;
grant execute on function private.ingest_stripe_event(jsonb) to service_role;
