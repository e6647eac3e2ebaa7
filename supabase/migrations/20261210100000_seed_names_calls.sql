-- The owner's schema names calls.phone_number and calls.payment_intent_id; the product had called them to_number and
-- stripe_payment_intent_id. Renamed in place (data, constraints, indexes and policies follow the column); the
-- functions that name them in their bodies are re-created below with the seed's names.

alter table public.calls rename column to_number to phone_number;
alter table public.calls rename column stripe_payment_intent_id to payment_intent_id;

alter table public.calls rename constraint calls_to_number_e164 to calls_phone_number_e164;
alter table public.calls rename constraint calls_stripe_payment_intent_shape to calls_payment_intent_shape;
alter index public.calls_stripe_payment_intent_id_key rename to calls_payment_intent_id_key;

comment on column public.calls.mode is 'phone: Twilio dials phone_number; browser: the user talks from the web app.';
comment on column public.calls.phone_number_id is 'Verified number that was dialled (cleared if the user removes it; phone_number keeps the value).';
comment on column public.calls.phone_number is 'E.164 number dialled, copied at call time; null for browser calls.';
comment on column public.calls.payment_intent_id is 'Stripe PaymentIntent (pi_...) for card-paid calls.';

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
         where payment_intent_id = v_obj ->> 'id' and payment_status in ('pending', 'authorized');
        v_effect := jsonb_build_object('call_settled', found);
      end if;

    when v_type = 'payment_intent.amount_capturable_updated' then
      update public.calls set payment_status = 'authorized'
       where payment_intent_id = v_obj ->> 'id' and payment_status = 'pending';
      v_effect := jsonb_build_object('call_authorized', found);

    when v_type = 'payment_intent.canceled' then
      update public.calls set payment_status = 'released'
       where payment_intent_id = v_obj ->> 'id' and payment_status in ('pending', 'authorized');
      v_effect := jsonb_build_object('call_released', found);

    when v_type = 'payment_intent.payment_failed' then
      update public.calls set payment_status = 'failed'
       where payment_intent_id = v_obj ->> 'id' and payment_status = 'pending';
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

create or replace function private.begin_card_settlement(p_call_id uuid)
returns table (outcome text, action text, payment_intent_id text, amount_cents integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_outcome text;
  v_call    public.calls;
  v_billed  numeric;
  v_cents   bigint;
begin
  v_outcome := private.settle_finished_call(p_call_id);
  if v_outcome <> 'card_capture_required' then
    return query select v_outcome, 'none'::text, null::text, null::integer;
    return;
  end if;
  select * into v_call from public.calls where id = p_call_id for update;
  if v_call.payment_intent_id is null then
    -- The card was never held (no card, or the bank declined): there is nothing to take or give back.
    update public.calls set payment_status = 'failed', actual_cost_cents = 0, credits_used = 0 where id = p_call_id;
    return query select 'failed'::text, 'none'::text, null::text, 0;
    return;
  end if;
  if v_call.answered_at is null then
    return query select v_outcome, 'cancel'::text, v_call.payment_intent_id, 0;
    return;
  end if;
  -- The same charge as a credits call: provider cost with each rate's markup, rounded up to whole cents, never
  -- more than the estimate the user agreed to (the call's time limit was derived from it).
  select coalesce(sum(e.cost_usd * (1 + coalesce(r.markup_percent, 0) / 100)), 0) into v_billed
    from public.call_cost_events e left join public.service_rates r on r.id = e.rate_id
   where e.call_id = p_call_id;
  v_cents := least(private.charge_cents(v_billed, 0), v_call.estimated_cost_cents::bigint);
  return query select v_outcome, case when v_cents > 0 then 'capture' else 'cancel' end,
                      v_call.payment_intent_id, v_cents::integer;
end;
$$;
comment on function private.begin_card_settlement(uuid) is
  'First half of settling a card-paid call: runs settle_finished_call and, when the card hold must be resolved, '
  'answers action capture (amount_cents: actual cost with markup, rounded up, at most the estimate) or cancel '
  '(never connected or cost nothing). action none: nothing to do at Stripe (outcome says why). Service role only.';

create or replace function private.record_card_settlement(
  p_payment_intent_id text, p_result text, p_amount_cents integer)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_call public.calls;
begin
  if p_result is null or p_result not in ('captured', 'canceled') then
    perform private.money_error('card_result_invalid',
      format('A card hold is either captured or canceled, not %s.', coalesce(p_result, 'nothing')));
  end if;
  if p_result = 'captured' and (p_amount_cents is null or p_amount_cents <= 0) then
    perform private.money_error('card_result_invalid', 'A captured card payment must be for a positive number of cents.');
  end if;
  select * into v_call from public.calls where payment_intent_id = p_payment_intent_id for update;
  if not found then
    perform private.money_error('unknown_call', format('No call holds the card payment %s.', coalesce(p_payment_intent_id, 'null')));
  end if;
  if v_call.payment_method <> 'card' then
    perform private.money_error('call_not_card_paid',
      format('This call is paid by %s; it has no card payment to record.', v_call.payment_method));
  end if;
  -- Recorded once: a repeat changes nothing. The Stripe webhook may have recorded the same PaymentIntent first
  -- (payment_intent.succeeded / .canceled); it leaves the status right but may leave the amount empty, so only
  -- that gap is filled.
  if v_call.payment_status in ('settled', 'released', 'failed') then
    if v_call.actual_cost_cents is null and v_call.payment_status in ('settled', 'released') then
      update public.calls
         set actual_cost_cents = case when v_call.payment_status = 'settled' then p_amount_cents else 0 end, credits_used = 0
       where id = v_call.id and (v_call.payment_status = 'released' or p_result = 'captured');
    end if;
    return 'already_' || v_call.payment_status;
  end if;
  update public.calls
     set payment_status = case when p_result = 'captured' then 'settled' else 'released' end,
         actual_cost_cents = case when p_result = 'captured' then p_amount_cents else 0 end,
         credits_used = 0
   where id = v_call.id;
  update public.call_cost_breakdowns
     set billed_credits = case when p_result = 'captured' then p_amount_cents else 0 end
   where call_id = v_call.id;
  return case when p_result = 'captured' then 'settled' else 'released' end;
end;
$$;
comment on function private.record_card_settlement(text, text, integer) is
  'Second half of settling a card-paid call: records that Stripe captured p_amount_cents (payment_status settled) '
  'or cancelled the hold (released, nothing charged). Idempotent: an already settled/released call is left as it '
  'is. Service role only.';

