-- Card-paid calls: the call is held on the user's card (a Stripe PaymentIntent with manual capture) when it is
-- placed; at settlement the hold is captured for what the call cost or cancelled when it never connected. Stripe
-- is called by the edge function between the two steps below, so each step is its own idempotent function:
--   begin_card_settlement    settles the call's usage and says what to do at Stripe (capture how much, or cancel)
--   record_card_settlement   records what Stripe did on the calls row, once
-- Either may run any number of times, from the status callback, the relay or the reconciler.
--
-- Errors (SQLSTATE P0001, "<code>: <sentence>", code also in HINT), in addition to the ledger's:
--   unknown_call          no call holds that PaymentIntent
--   call_not_card_paid    the call is paid by credits or demo
--   card_result_invalid   a result other than captured/canceled, or a capture of no money

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
  if v_call.stripe_payment_intent_id is null then
    -- The card was never held (no card, or the bank declined): there is nothing to take or give back.
    update public.calls set payment_status = 'failed', actual_cost_cents = 0, credits_used = 0 where id = p_call_id;
    return query select 'failed'::text, 'none'::text, null::text, 0;
    return;
  end if;
  if v_call.answered_at is null then
    return query select v_outcome, 'cancel'::text, v_call.stripe_payment_intent_id, 0;
    return;
  end if;
  -- The same charge as a credits call: provider cost with each rate's markup, rounded up to whole cents, never
  -- more than the estimate the user agreed to (the call's time limit was derived from it).
  select coalesce(sum(e.cost_usd * (1 + coalesce(r.markup_percent, 0) / 100)), 0) into v_billed
    from public.call_cost_events e left join public.service_rates r on r.id = e.rate_id
   where e.call_id = p_call_id;
  v_cents := least(private.charge_cents(v_billed, 0), v_call.estimated_cost_cents::bigint);
  return query select v_outcome, case when v_cents > 0 then 'capture' else 'cancel' end,
                      v_call.stripe_payment_intent_id, v_cents::integer;
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
  select * into v_call from public.calls where stripe_payment_intent_id = p_payment_intent_id for update;
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

revoke all on function private.begin_card_settlement(uuid) from public, anon, authenticated;
revoke all on function private.record_card_settlement(text, text, integer) from public, anon, authenticated;
grant execute on function private.begin_card_settlement(uuid) to service_role;
grant execute on function private.record_card_settlement(text, text, integer) to service_role;
