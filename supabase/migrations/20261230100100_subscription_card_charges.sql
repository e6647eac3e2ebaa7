-- Plan payments reach the billing history under the Stripe API version the project pins. A charge lost its `invoice`
-- field in 2025-03-31.basil, so a plan's charge was kept as "other"; it is now known by the description Stripe gives
-- the charge of a subscription invoice ("Subscription creation", "Subscription update"). Older versions still send
-- `invoice`, which counts as before.

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
                    -- Since API version 2025-03-31.basil a charge no longer names its invoice; Stripe describes
                    -- the charge of a subscription's invoice as its creation or update.
                    when p_charge ->> 'invoice' is not null
                      or p_charge ->> 'description' in ('Subscription creation', 'Subscription update') then 'subscription'
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
