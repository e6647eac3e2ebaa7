-- A refunded plan payment takes back the plan's credits under the Stripe API version the project pins. Since
-- 2025-03-31.basil a charge no longer names its invoice, so the refund found no grant (plan grants are keyed by
-- invoice) and took nothing back. The webhook now asks for a paid subscription invoice with its payments (an
-- includable field), the PaymentIntents that paid it are kept here, and a refund finds the invoice through its
-- charge's PaymentIntent.

create table private.invoice_payment_intents (
  payment_intent_id text primary key,
  invoice_id        text not null,
  recorded_at       timestamptz not null default pg_catalog.now(),
  constraint invoice_payment_intents_pi_shape check (payment_intent_id ~ '^pi_[A-Za-z0-9]+$'),
  constraint invoice_payment_intents_invoice_shape check (invoice_id ~ '^in_[A-Za-z0-9]+$')
);
comment on table private.invoice_payment_intents is
  'Which invoice each PaymentIntent paid (from invoice.paid with its payments), so a refunded charge of a plan '
  'payment finds the plan grant keyed by that invoice. Service only.';
alter table private.invoice_payment_intents enable row level security;
revoke all on table private.invoice_payment_intents from public, anon, authenticated;
grant select on table private.invoice_payment_intents to service_role;

create or replace function private.record_invoice_payments(p_invoice jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_count integer;
begin
  insert into private.invoice_payment_intents (payment_intent_id, invoice_id)
  select p -> 'payment' ->> 'payment_intent', p_invoice ->> 'id'
    from pg_catalog.jsonb_array_elements(
           case when pg_catalog.jsonb_typeof(p_invoice -> 'payments' -> 'data') = 'array' then p_invoice -> 'payments' -> 'data' else '[]'::jsonb end) p
   where p -> 'payment' ->> 'type' = 'payment_intent'
     and p ->> 'status' = 'paid'
     and (p -> 'payment' ->> 'payment_intent') ~ '^pi_[A-Za-z0-9]+$'
     and (p_invoice ->> 'id') ~ '^in_[A-Za-z0-9]+$'
  on conflict (payment_intent_id) do nothing;
  get diagnostics v_count = row_count;
  -- Nothing new: the event's own outcome stands (a one-off invoice stays ignored).
  return case when v_count > 0 then jsonb_build_object('invoice_payments', v_count) end;
end;
$$;
comment on function private.record_invoice_payments(jsonb) is
  'Keeps the PaymentIntents that paid an invoice (its payments, when the event carries them). Returns null when '
  'nothing new was kept. Service role only (through private.ingest_stripe_event).';
revoke all on function private.record_invoice_payments(jsonb) from public, anon, authenticated, service_role;

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
     and t.idempotency_key in ('stripe:pi:' || (p_charge ->> 'payment_intent'),
                               'stripe:inv:' || coalesce(p_charge ->> 'invoice',
                                                         (select i.invoice_id from private.invoice_payment_intents i
                                                           where i.payment_intent_id = p_charge ->> 'payment_intent')))
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
  'or invoice key; the invoice found from the charge, or since 2025-03-31.basil from the invoice payments recorded '
  'when the invoice was paid), never the credits named in the charge''s metadata; repeated refund events take only '
  'the rest.';
revoke all on function private.apply_refund_event(jsonb, jsonb) from public, anon, authenticated;

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
    when v_type = 'invoice.paid' then private.record_invoice_payments(v_obj)
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
  '(charge.*), and the PaymentIntents that paid an invoice (invoice.paid with its payments). A duplicate returns '
  'status duplicate and changes nothing; an error changes nothing.';
