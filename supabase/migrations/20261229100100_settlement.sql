-- Settlement in one place: every function that holds, charges, releases or records a call's payment, at its current
-- definition. A change to any of them re-declares all of them in a new <timestamp>_settlement.sql, so the newest such
-- file is the whole of settlement (devstack/src/db/settlement_module.test.ts fails otherwise). One function writes
-- calls.payment_status: private.set_payment_status. The hold comes from private.call_allowance; the charge is the sum of
-- the call's calculated_cost_cents (priced and marked up once, when each usage event was recorded) rounded up to a
-- whole cent, capped by the hold. A call is charged once its media has ended (private.call_connected,
-- private.call_media_live).
--
--   call_connected           whether a call ever carried a conversation (what it is charged for)
--   call_media_live          whether its media may still run (settlement waits for it)
--   reserve_call_credits     credits: hold the allowance's hold (checked against the same allowance)
--   record_card_hold         card: the PaymentIntent holding the call's hold on the user's card
--   close_reservation        credits: charge and release (settle_call, release_call call it)
--   settle_finished_call     the one entry point once a call has ended (relay, status callback, reconciler, cancel)
--   begin_card_settlement    card: what to capture or cancel at Stripe (card_payments.ts does it)
--   record_card_settlement   card: what Stripe did
--   record_card_event        card: Stripe's payment_intent.* webhooks (private.ingest_stripe_event calls it)
--
-- Errors as the ledger's (SQLSTATE P0001, "<code>: <sentence>", code in HINT); in addition:
--   payment_status_invalid   a payment status outside pending, reserved, authorized, settled, released, failed


-- Whether a call ever carried a conversation: what it is charged for.
create or replace function private.call_connected(p_call public.calls)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select p_call.answered_at is not null
      or coalesce(p_call.duration_seconds, 0) > 0
      or exists (select 1 from public.call_cost_events e where e.call_id = p_call.id and e.service <> 'twilio')
$$;
comment on function private.call_connected(public.calls) is
  'A call connected: answered (in-progress seen), Twilio reported a duration, or the relay recorded usage for it. '
  'Independent of the order status callbacks arrive in. Service role only.';

-- Whether a call's media may still be running: it connected, the relay has not reported its media over, and the
-- call's end or its latest usage is within p_grace (after that the relay is presumed gone).
create or replace function private.call_media_live(p_call public.calls, p_grace interval default interval '2 minutes')
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select p_call.media_ended_at is null
     and private.call_connected(p_call)
     and greatest(coalesce(p_call.ended_at, pg_catalog.now()),
                  (select max(e.created_at) from public.call_cost_events e where e.call_id = p_call.id))
         > pg_catalog.now() - p_grace
$$;
comment on function private.call_media_live(public.calls, interval) is
  'A connected call whose media the relay has not reported over, with its end or latest usage within p_grace: '
  'settlement waits and the call still counts as the user''s active call. Service role only.';

-- The one writer of calls.payment_status. Moves a call from one of p_from to p_to, with the columns that change in
-- the same step; false when the call is not in one of p_from (a repeat, or a later state already reached).
create or replace function private.set_payment_status(
  p_call_id uuid, p_from text[], p_to text, p_actual_cost_cents integer default null,
  p_reserved_credits integer default null, p_payment_intent_id text default null)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_to is null or p_to not in ('pending', 'reserved', 'authorized', 'settled', 'released', 'failed') then
    perform private.money_error('payment_status_invalid',
      format('A call''s payment is pending, reserved, authorized, settled, released or failed, not %s.', coalesce(p_to, 'nothing')));
  end if;
  update public.calls c
     set payment_status = p_to,
         actual_cost_cents = coalesce(p_actual_cost_cents, c.actual_cost_cents),
         credits_used = case when p_actual_cost_cents is null then c.credits_used
                             when c.payment_method = 'credits' then p_actual_cost_cents else 0 end,
         reserved_credits = coalesce(p_reserved_credits, c.reserved_credits),
         payment_intent_id = coalesce(p_payment_intent_id, c.payment_intent_id)
   where c.id = p_call_id and c.payment_status = any (p_from);
  if not found then
    return false;
  end if;
  if p_actual_cost_cents is not null then
    update public.call_cost_breakdowns set billed_credits = p_actual_cost_cents where call_id = p_call_id;
  end if;
  return true;
end;
$$;
comment on function private.set_payment_status(uuid, text[], text, integer, integer, text) is
  'The only writer of calls.payment_status: moves a call''s payment from one of p_from to p_to with its amount '
  '(actual_cost_cents, credits_used, the breakdown''s billed_credits), reserved credits or PaymentIntent. False when '
  'the call was not in p_from. Service role only.';

-- What a call is charged: its events' calculated_cost_cents, rounded up to a whole cent once.
create or replace function private.call_charge_cents(p_call_id uuid)
returns bigint
language sql
stable
set search_path = ''
as $$
  select pg_catalog.ceil(coalesce(sum(e.calculated_cost_cents), 0))::bigint
    from public.call_cost_events e where e.call_id = p_call_id
$$;
comment on function private.call_charge_cents(uuid) is
  'Whole cents a call''s usage is billed: the sum of its calculated_cost_cents, rounded up once.';

-- Whole cents the user pays for a provider cost in dollars plus a markup in percent, always rounded up.
create or replace function private.charge_cents(p_cost_usd numeric, p_markup_percent numeric)
returns bigint
language plpgsql
immutable
security definer
set search_path = ''
as $$
begin
  if p_cost_usd is null or p_cost_usd < 0 then
    perform private.money_error('cost_negative', 'A call cost cannot be negative or missing.');
  end if;
  if p_markup_percent is null or p_markup_percent < 0 or p_markup_percent > 1000 then
    perform private.money_error('markup_invalid', 'The markup must be between 0 and 1000 percent.');
  end if;
  return pg_catalog.ceil(private.billed_cents(p_cost_usd, p_markup_percent))::bigint;
end;
$$;

-- Reserve ---------------------------------------------------------------------------------------------------
create or replace function private.reserve_call_credits(
  p_user_id uuid, p_call_id uuid, p_amount bigint, p_idempotency_key text)
returns public.credit_transactions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_bal   public.user_credits;
  v_row   public.credit_transactions;
  v_call  public.calls;
  v_a     record;
begin
  if p_amount is null or p_amount <= 0 then
    perform private.money_error('amount_not_positive', 'A reservation must be a positive number of credits.');
  end if;
  perform private.check_key(p_idempotency_key);
  v_bal := private.lock_credits(p_user_id);

  v_row := private.replayed_row(p_idempotency_key, p_user_id, array['reservation'], p_call_id);
  if v_row.id is not null then
    if v_row.amount <> -p_amount then
      perform private.money_error('idempotency_key_reused',
        format('The idempotency key %s already reserved %s credits, not %s.', p_idempotency_key, -v_row.amount, p_amount));
    end if;
    return v_row;
  end if;

  select * into v_call from public.calls where id = p_call_id and user_id = p_user_id for update;
  if not found then
    perform private.money_error('unknown_call', 'That call does not exist or belongs to someone else.');
  end if;
  if v_call.payment_method <> 'credits' then
    perform private.money_error('call_not_credit_paid',
      format('This call is paid by %s, so no credits can be reserved for it.', v_call.payment_method));
  end if;
  if v_call.payment_status <> 'pending' then
    perform private.money_error('call_already_reserved',
      format('This call already has a payment in state %s; a call is reserved only once.', v_call.payment_status));
  end if;

  -- The same allowance calls-create placed the call with, read under the user's lock.
  select * into v_a from private.call_allowance(p_user_id, 'credits', v_call.mode = 'phone', v_call.max_duration_seconds, p_call_id);
  if p_amount > v_a.per_call_cents then
    perform private.money_error('budget_exceeded_per_call',
      format('This call needs %s credits but your per-call limit is %s. Raise the limit in Budget settings or choose a shorter call.',
             p_amount, v_a.per_call_cents));
  end if;
  if p_amount > v_a.monthly_remaining_cents then
    perform private.money_error('budget_exceeded_monthly',
      format('This call needs %s credits but only %s of your monthly limit of %s is left. Raise the limit in Budget settings or wait until next month.',
             p_amount, greatest(v_a.monthly_remaining_cents, 0),
             (select b.max_monthly_spend_cents from public.user_budget_settings b where b.user_id = p_user_id)));
  end if;
  if p_amount > v_a.credits_cents then
    perform private.money_error('insufficient_credits',
      format('This call needs %s credits but you have %s available. Buy a credit pack or pay by card.',
             p_amount, v_a.credits_cents));
  end if;

  v_row := private.apply_ledger_row(p_user_id, 'reservation', -p_amount, p_amount, 0, p_idempotency_key, p_call_id,
                                    null, null, 'Credits held for a call');
  perform private.set_payment_status(p_call_id, array['pending'], 'reserved', p_reserved_credits => p_amount::integer);
  return v_row;
end;
$$;
comment on function private.reserve_call_credits(uuid, uuid, bigint, text) is
  'Holds credits for a call (calls row with payment_method credits, payment_status pending), checked against '
  'private.call_allowance (per-call cap, monthly remainder, balance) under the user''s row lock. Idempotent by key. '
  'Service role only.';

-- The card hold calls-create placed on the user's card for the call's hold.
create or replace function private.record_card_hold(p_call_id uuid, p_payment_intent_id text)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_payment_intent_id is null or p_payment_intent_id !~ '^pi_[A-Za-z0-9]+$' then
    perform private.money_error('card_result_invalid', 'A card hold is a Stripe PaymentIntent (pi_...).');
  end if;
  if not exists (select 1 from public.calls c where c.id = p_call_id and c.payment_method = 'card') then
    perform private.money_error('call_not_card_paid', 'This call is not paid by card, so it holds nothing on a card.');
  end if;
  return private.set_payment_status(p_call_id, array['pending'], 'authorized', p_payment_intent_id => p_payment_intent_id);
end;
$$;
comment on function private.record_card_hold(uuid, text) is
  'Records the PaymentIntent holding a card-paid call''s hold (payment_status authorized). False when the call''s '
  'payment was already past pending. Service role only.';

-- Settle and release ----------------------------------------------------------------------------------------
-- Shared by settle_call and release_call: p_charge null means release (nothing charged).
create or replace function private.close_reservation(
  p_call_id uuid, p_charge bigint, p_allow_overage boolean, p_idempotency_key text)
returns public.credit_transactions
language plpgsql
set search_path = ''
as $$
declare
  v_user      uuid;
  v_bal       public.user_credits;
  v_row       public.credit_transactions;
  v_call      public.calls;
  v_reserved  bigint;
  v_charge    bigint := coalesce(p_charge, 0);
  v_from_res  bigint;
  v_over      bigint;
  v_from_av   bigint := 0;
  v_owed      bigint := 0;
  v_release   bigint;
  v_repay     bigint := 0;
begin
  perform private.check_key(p_idempotency_key);
  select c.user_id into v_user from public.calls c where c.id = p_call_id;
  if not found then
    perform private.money_error('unknown_call', 'That call does not exist.');
  end if;
  v_bal := private.lock_credits(v_user);

  v_row := private.replayed_row(p_idempotency_key, v_user, array['settlement'], p_call_id);
  if v_row.id is not null then
    return v_row;
  end if;

  select * into v_call from public.calls where id = p_call_id for update;
  if v_call.payment_method <> 'credits' then
    perform private.money_error('call_not_credit_paid',
      format('This call is paid by %s; it has no credit reservation to settle.', v_call.payment_method));
  end if;
  if v_call.payment_status = 'settled' then
    perform private.money_error('call_already_settled', 'This call was already settled; it is charged only once.');
  elsif v_call.payment_status = 'released' then
    perform private.money_error('call_already_released', 'This call''s reservation was already released; nothing is left to settle.');
  elsif v_call.payment_status <> 'reserved' then
    perform private.money_error('call_not_reserved', 'This call has no credit reservation to settle or release.');
  end if;

  v_reserved := v_call.reserved_credits;
  v_from_res := least(v_charge, v_reserved);
  v_over := v_charge - v_from_res;
  if v_over > 0 and not p_allow_overage then
    v_charge := v_from_res;   -- capped at the reservation: the service absorbs the excess
    v_over := 0;
  end if;
  if v_over > 0 then
    v_from_av := least(v_over, v_bal.available_credits);
    v_owed := v_over - v_from_av;
  end if;
  v_release := v_reserved - v_from_res;
  v_repay := least(v_release, v_bal.owed_credits);   -- released credits repay debt first

  v_row := private.apply_ledger_row(
    v_user, 'settlement', v_release - v_repay - v_from_av, -v_reserved, v_owed - v_repay, p_idempotency_key,
    p_call_id, null, null,
    case when p_charge is null then 'Reservation released: the call did not connect'
         else format('Call charged %s credits', v_charge) end);

  perform private.set_payment_status(p_call_id, array['reserved'], case when p_charge is null then 'released' else 'settled' end,
                                     p_actual_cost_cents => v_charge::integer);
  return v_row;
end;
$$;
revoke all on function private.close_reservation(uuid, bigint, boolean, text) from public, anon, authenticated;

create or replace function private.settle_call(
  p_call_id uuid, p_actual_cost_usd numeric, p_markup_percent numeric, p_idempotency_key text,
  p_allow_overage boolean default false)
returns public.credit_transactions
language plpgsql
security definer
set search_path = ''
as $$
begin
  return private.close_reservation(p_call_id, private.charge_cents(p_actual_cost_usd, p_markup_percent),
                                   coalesce(p_allow_overage, false), p_idempotency_key);
end;
$$;

create or replace function private.release_call(p_call_id uuid, p_idempotency_key text)
returns public.credit_transactions
language plpgsql
security definer
set search_path = ''
as $$
begin
  return private.close_reservation(p_call_id, null, false, p_idempotency_key);
end;
$$;

-- Settlement (see 20261211100200_settlement.sql): connected by private.call_connected, and waits while the media
-- may still run (private.call_media_live) instead of only for a grace after the status ended.
create or replace function private.settle_finished_call(p_call_id uuid, p_grace interval default interval '2 minutes')
returns text language plpgsql security definer set search_path = '' as $$
declare
  v_call public.calls;
  v_connected boolean;
begin
  select * into v_call from public.calls where id = p_call_id for update;
  if not found then
    return 'unknown_call';
  end if;
  if private.call_status_rank(v_call.status) < 5 then
    return 'not_finished';
  end if;
  if v_call.payment_status in ('settled', 'released', 'failed') then
    return 'already_' || v_call.payment_status;
  end if;
  v_connected := private.call_connected(v_call);
  if v_connected and private.call_media_live(v_call, p_grace) then
    return 'waiting_for_media';
  end if;
  if v_connected then
    -- Connected by its usage alone (no answer or duration on record): answered when its usage began, so every later
    -- step (the card settlement) sees a connected call.
    if v_call.answered_at is null then
      update public.calls c
         set answered_at = least(c.ended_at, (select min(e.created_at) from public.call_cost_events e where e.call_id = c.id))
       where c.id = p_call_id
      returning * into v_call;
    end if;
    perform private.record_twilio_minutes(v_call);
  end if;

  if v_call.payment_method = 'credits' and v_call.payment_status = 'reserved' then
    if v_connected then
      perform private.close_reservation(p_call_id, private.call_charge_cents(p_call_id), false, 'settle:' || p_call_id);
      return 'settled';
    end if;
    perform private.release_call(p_call_id, 'release:' || p_call_id);
    return 'released';
  end if;
  if v_call.payment_method = 'demo' then
    perform private.set_payment_status(p_call_id, array['pending'], case when v_connected then 'settled' else 'released' end,
      p_actual_cost_cents => case when v_connected then private.call_charge_cents(p_call_id)::integer else 0 end);
    return case when v_connected then 'settled' else 'released' end;
  end if;
  return 'card_capture_required';
end;
$$;
comment on function private.settle_finished_call(uuid, interval) is
  'Settles a finished call exactly once whoever asks (relay, status callback, reconciler, cancel): charges all usage '
  'recorded until its media ended (at most the hold) once the relay reported the media over, or once nothing of the '
  'call is newer than p_grace. Connected per private.call_connected. Service role only.';

create or replace function private.begin_card_settlement(p_call_id uuid)
returns table (outcome text, action text, payment_intent_id text, amount_cents integer)
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_outcome text;
  v_call    public.calls;
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
    perform private.set_payment_status(p_call_id, array['pending', 'authorized'], 'failed', p_actual_cost_cents => 0);
    return query select 'failed'::text, 'none'::text, null::text, 0;
    return;
  end if;
  if v_call.answered_at is null then
    return query select v_outcome, 'cancel'::text, v_call.payment_intent_id, 0;
    return;
  end if;
  -- The same charge as a credits call, never more than the hold the user agreed to.
  v_cents := least(private.call_charge_cents(p_call_id), v_call.estimated_cost_cents::bigint);
  return query select v_outcome, case when v_cents > 0 then 'capture' else 'cancel' end,
                      v_call.payment_intent_id, v_cents::integer;
end;
$$;
comment on function private.begin_card_settlement(uuid) is
  'First half of settling a card-paid call: runs settle_finished_call and, when the card hold must be resolved, '
  'answers action capture (amount_cents: the call''s charge, at most the hold) or cancel (never connected or cost '
  'nothing). action none: nothing to do at Stripe (outcome says why). Service role only.';

create or replace function private.record_card_settlement(
  p_payment_intent_id text, p_result text, p_amount_cents integer)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_call public.calls;
  v_gap  integer;
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
    if v_call.actual_cost_cents is null
       and (v_call.payment_status in ('released') or (v_call.payment_status in ('settled') and p_result = 'captured')) then
      v_gap := case when v_call.payment_status in ('settled') then p_amount_cents else 0 end;
      update public.calls set actual_cost_cents = v_gap, credits_used = 0 where id = v_call.id;
    end if;
    return 'already_' || v_call.payment_status;
  end if;
  perform private.set_payment_status(v_call.id, array['pending', 'authorized'],
    case when p_result = 'captured' then 'settled' else 'released' end,
    p_actual_cost_cents => case when p_result = 'captured' then p_amount_cents else 0 end);
  return case when p_result = 'captured' then 'settled' else 'released' end;
end;
$$;
comment on function private.record_card_settlement(text, text, integer) is
  'Second half of settling a card-paid call: records that Stripe captured p_amount_cents (payment_status settled) '
  'or cancelled the hold (released, nothing charged). Idempotent: an already settled/released call is left as it '
  'is. Service role only.';

-- Stripe's word on a call's PaymentIntent (webhooks), applied forward only. True when it changed the call.
create or replace function private.record_card_event(p_payment_intent_id text, p_event text, p_amount_cents integer)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_call uuid;
begin
  select c.id into v_call from public.calls c where c.payment_intent_id = p_payment_intent_id;
  if v_call is null then
    return false;
  end if;
  return case p_event
    when 'succeeded' then private.set_payment_status(v_call, array['pending', 'authorized'], 'settled', p_actual_cost_cents => p_amount_cents)
    when 'authorized' then private.set_payment_status(v_call, array['pending'], 'authorized')
    when 'canceled' then private.set_payment_status(v_call, array['pending', 'authorized'], 'released')
    when 'payment_failed' then private.set_payment_status(v_call, array['pending'], 'failed')
    else false
  end;
end;
$$;
comment on function private.record_card_event(text, text, integer) is
  'Applies a Stripe payment_intent event (succeeded, authorized, canceled, payment_failed) to the call holding the '
  'PaymentIntent, forward only. Service role only.';

-- private.ingest_stripe_event applies payment_intent.* events to calls through private.record_card_event (see
-- 20261215000200_stripe_grants_from_paid_amount.sql, which defines it).

revoke all on function private.set_payment_status(uuid, text[], text, integer, integer, text) from public, anon, authenticated;
revoke all on function private.call_charge_cents(uuid) from public, anon, authenticated;
revoke all on function private.record_card_hold(uuid, text) from public, anon, authenticated;
revoke all on function private.record_card_event(text, text, integer) from public, anon, authenticated;
grant execute on function private.record_card_hold(uuid, text) to service_role;
grant execute on function private.call_charge_cents(uuid) to service_role;
