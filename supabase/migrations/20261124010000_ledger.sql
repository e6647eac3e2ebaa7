-- The credit ledger: reserve credits for a call, settle or release the reservation, grant and claw back credits.
--
-- Every function here locks the user's user_credits row first (select ... for update), so all money movement of
-- one user is serialised and every check (balance, per-call cap, monthly cap, idempotency) reads committed state
-- under that lock. Every change writes exactly ONE credit_transactions row whose idempotency_key is unique;
-- calling a function again with the same key changes nothing and returns that first row.
--
-- Errors are raised with SQLSTATE P0001 and a message "<code>: <sentence>"; the bare code is also in HINT.
--   amount_not_positive       an amount (credits) was zero or negative
--   cost_negative             a call cost was negative
--   markup_invalid            a markup outside 0-1000 %
--   kind_unknown              grant kind other than purchase, subscription, adjustment, promo, refund_clawback
--   idempotency_key_missing   empty idempotency key
--   idempotency_key_reused    the key was already used for a different change
--   unknown_user              no credit account for that user
--   unknown_call              no call with that id (or not the user's)
--   call_not_credit_paid      the call is paid by card or demo, not by credits
--   call_not_reserved         settle/release of a call that has no reservation
--   call_already_reserved     a second reservation for the same call
--   call_already_settled      the call was already settled (under another key)
--   call_already_released     the call's reservation was already released (under another key)
--   budget_exceeded_per_call  the reservation is above the per-call cap
--   budget_exceeded_monthly   the reservation would pass the monthly cap (auto cut-off on)
--   insufficient_credits      not enough available credits
--
-- Settlement policy: a call is charged its actual provider cost plus the markup, rounded UP to whole cents, but
-- never more than was reserved unless the caller passes p_allow_overage (the call's time limit is derived from
-- the reservation, so an excess can only come from rounding or a provider surprise; by default the service
-- absorbs it). With p_allow_overage the excess is taken from available credits and whatever they cannot cover
-- becomes owed_credits. Credits flowing back into available (released reservations, grants) repay owed credits
-- first.

-- Columns the ledger needs beyond the base data model -------------------------------------------------------
alter table public.user_credits add column if not exists owed_credits bigint not null default 0;
alter table public.user_credits drop constraint if exists user_credits_owed_nonnegative;
alter table public.user_credits add constraint user_credits_owed_nonnegative check (owed_credits >= 0);
comment on column public.user_credits.owed_credits is
  'Credits the user owes: a refund or dispute clawed back credits already spent, or an allowed overage exceeded '
  'the balance. Repaid first from the next credits that come in; never silently dropped.';

alter table public.credit_transactions add column if not exists owed_delta bigint not null default 0;
alter table public.credit_transactions add column if not exists owed_after bigint not null default 0;
alter table public.credit_transactions drop constraint if exists credit_transactions_owed_after_nonnegative;
alter table public.credit_transactions add constraint credit_transactions_owed_after_nonnegative check (owed_after >= 0);
comment on column public.credit_transactions.owed_delta is
  'Change to owed_credits (signed): positive when a clawback or overage could not be covered, negative when '
  'incoming credits repaid debt.';
comment on column public.credit_transactions.owed_after is 'owed_credits right after this row.';

-- A movement may now consist only of debt (a clawback from an empty balance) or only of debt repayment (a grant
-- that entirely repays what is owed), so the shape checks learn about owed_delta.
alter table public.credit_transactions drop constraint if exists credit_transactions_moves_something;
alter table public.credit_transactions add constraint credit_transactions_moves_something
  check (amount <> 0 or reserved_delta <> 0 or owed_delta <> 0);
alter table public.credit_transactions drop constraint if exists credit_transactions_grant_shape;
alter table public.credit_transactions add constraint credit_transactions_grant_shape check (
  type not in ('signup_grant', 'promo_grant', 'purchase', 'subscription_grant')
  or (amount >= 0 and reserved_delta = 0 and owed_delta <= 0 and amount - owed_delta > 0));
alter table public.credit_transactions drop constraint if exists credit_transactions_settlement_shape;
alter table public.credit_transactions add constraint credit_transactions_settlement_shape check (
  type <> 'settlement' or (reserved_delta < 0 and amount <= -reserved_delta));
alter table public.credit_transactions drop constraint if exists credit_transactions_debit_shape;
alter table public.credit_transactions add constraint credit_transactions_debit_shape check (
  (type not in ('charge', 'expiry') or (amount < 0 and reserved_delta = 0 and owed_delta = 0))
  and (type <> 'refund' or (amount <= 0 and reserved_delta = 0 and owed_delta >= 0)));
comment on column public.credit_transactions.reserved_delta is
  'Change to reserved_credits (signed). A settlement charges -(amount + reserved_delta) + owed_delta.';

-- owed_credits is explained by the ledger the same way the balance is: checked at commit.
create or replace function private.check_ledger_matches_owed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_owed bigint;
  v_last bigint;
begin
  select c.owed_credits into v_owed from public.user_credits c where c.user_id = new.user_id;
  if not found then
    return null;
  end if;
  select t.owed_after into v_last from public.credit_transactions t
  where t.user_id = new.user_id order by t.id desc limit 1;
  if coalesce(v_last, 0) <> v_owed then
    raise exception 'Owed credits of user % (%) do not match the ledger (%): every change needs a credit_transactions row.',
      new.user_id, v_owed, coalesce(v_last, 0)
      using errcode = 'check_violation';
  end if;
  return null;
end;
$$;
comment on function private.check_ledger_matches_owed() is
  'Deferred constraint trigger: the latest credit_transactions row of a user explains their owed_credits.';
revoke all on function private.check_ledger_matches_owed() from public, anon, authenticated;

drop trigger if exists user_credits_owed_match_ledger on public.user_credits;
create constraint trigger user_credits_owed_match_ledger
  after update of owed_credits on public.user_credits
  deferrable initially deferred
  for each row execute function private.check_ledger_matches_owed();

drop trigger if exists credit_transactions_owed_match_balance on public.credit_transactions;
create constraint trigger credit_transactions_owed_match_balance
  after insert on public.credit_transactions
  deferrable initially deferred
  for each row when (new.owed_delta <> 0)
  execute function private.check_ledger_matches_owed();

-- Helpers ---------------------------------------------------------------------------------------------------
create or replace function private.money_error(p_code text, p_sentence text)
returns void
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = 'P0001', message = p_code || ': ' || p_sentence, hint = p_code;
end;
$$;
comment on function private.money_error(text, text) is
  'Raises a money error: SQLSTATE P0001, message "<code>: <sentence>", HINT <code>.';
revoke all on function private.money_error(text, text) from public, anon, authenticated;

-- First instant of the user's current calendar month, and of the next one, in their time zone.
create or replace function private.budget_month(p_timezone text, p_at timestamptz default pg_catalog.now())
returns table (month_start timestamptz, month_end timestamptz)
language sql
stable
set search_path = ''
as $$
  select pg_catalog.timezone(tz, m), pg_catalog.timezone(tz, m + interval '1 month')
  from (select coalesce(p_timezone, 'UTC') as tz) z,
       lateral (select pg_catalog.date_trunc('month', pg_catalog.timezone(z.tz, p_at)) as m) mm
$$;
comment on function private.budget_month(text, timestamptz) is
  'Calendar month (in the given IANA zone) containing p_at, as [month_start, month_end).';
revoke all on function private.budget_month(text, timestamptz) from public, anon, authenticated;

-- What counts against the monthly cap: every call the user started this month, at what it cost (settled), what
-- is held for it (credit reservation) or what is authorised on the card.
create or replace function private.month_spend(p_user_id uuid, p_month_start timestamptz, p_month_end timestamptz)
returns table (spent_cents bigint, reserved_cents bigint)
language sql
stable
set search_path = ''
as $$
  select
    coalesce(sum(case when c.payment_status = 'settled' then coalesce(c.actual_cost_cents, 0) else 0 end), 0)::bigint,
    coalesce(sum(case c.payment_status when 'reserved' then c.reserved_credits
                                       when 'authorized' then c.estimated_cost_cents else 0 end), 0)::bigint
  from public.calls c
  where c.user_id = p_user_id and c.created_at >= p_month_start and c.created_at < p_month_end
    and c.payment_method <> 'demo'  -- demo calls are free: they record what they would cost, but spend nothing
$$;
comment on function private.month_spend(uuid, timestamptz, timestamptz) is
  'Settled charges and open reservations/authorisations of the calls a user started in [start, end).';
revoke all on function private.month_spend(uuid, timestamptz, timestamptz) from public, anon, authenticated;

-- Applies one movement to a balance row the caller has locked and writes its single ledger row.
create or replace function private.apply_ledger_row(
  p_user_id uuid, p_type text, p_amount bigint, p_reserved_delta bigint, p_owed_delta bigint,
  p_idempotency_key text, p_call_id uuid, p_stripe_event_id text, p_stripe_object_id text, p_description text)
returns public.credit_transactions
language plpgsql
set search_path = ''
as $$
declare
  v_bal public.user_credits;
  v_row public.credit_transactions;
begin
  -- owed_credits is named only when it changes, so its commit-time check runs only then.
  if p_owed_delta = 0 then
    update public.user_credits
       set available_credits = available_credits + p_amount,
           reserved_credits = reserved_credits + p_reserved_delta
     where user_id = p_user_id
    returning * into v_bal;
  else
    update public.user_credits
       set available_credits = available_credits + p_amount,
           reserved_credits = reserved_credits + p_reserved_delta,
           owed_credits = owed_credits + p_owed_delta
     where user_id = p_user_id
    returning * into v_bal;
  end if;

  insert into public.credit_transactions
    (user_id, type, amount, reserved_delta, owed_delta, balance_after, reserved_after, owed_after,
     idempotency_key, call_id, stripe_event_id, stripe_object_id, description)
  values
    (p_user_id, p_type, p_amount, p_reserved_delta, p_owed_delta, v_bal.available_credits, v_bal.reserved_credits,
     v_bal.owed_credits, p_idempotency_key, p_call_id, p_stripe_event_id, p_stripe_object_id, p_description)
  returning * into v_row;
  return v_row;
end;
$$;
comment on function private.apply_ledger_row(uuid, text, bigint, bigint, bigint, text, uuid, text, text, text) is
  'Internal: moves a locked balance and writes its one ledger row. Callers hold the user_credits row lock.';
revoke all on function private.apply_ledger_row(uuid, text, bigint, bigint, bigint, text, uuid, text, text, text)
  from public, anon, authenticated;

-- Locks the user's balance; unknown_user when there is none.
create or replace function private.lock_credits(p_user_id uuid)
returns public.user_credits
language plpgsql
set search_path = ''
as $$
declare
  v_bal public.user_credits;
begin
  select * into v_bal from public.user_credits where user_id = p_user_id for update;
  if not found then
    perform private.money_error('unknown_user', 'There is no credit account for this user. Sign up first, or check the user id.');
  end if;
  return v_bal;
end;
$$;
revoke all on function private.lock_credits(uuid) from public, anon, authenticated;

create or replace function private.check_key(p_idempotency_key text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_idempotency_key is null or pg_catalog.btrim(p_idempotency_key) = '' or pg_catalog.char_length(p_idempotency_key) > 200 then
    perform private.money_error('idempotency_key_missing',
      'Every money operation needs an idempotency key of 1 to 200 characters, so a retry cannot move money twice.');
  end if;
end;
$$;
revoke all on function private.check_key(text) from public, anon, authenticated;

-- The ledger row already written under this key, after checking it describes the same change.
create or replace function private.replayed_row(
  p_idempotency_key text, p_user_id uuid, p_types text[], p_call_id uuid)
returns public.credit_transactions
language plpgsql
stable
set search_path = ''
as $$
declare
  v_row public.credit_transactions;
begin
  select * into v_row from public.credit_transactions where idempotency_key = p_idempotency_key;
  if not found then
    return null;
  end if;
  if v_row.user_id is distinct from p_user_id or not (v_row.type = any (p_types))
     or (p_call_id is not null and v_row.call_id is distinct from p_call_id) then
    perform private.money_error('idempotency_key_reused',
      format('The idempotency key %s was already used for a different change; use a new key for a new operation.',
             p_idempotency_key));
  end if;
  return v_row;
end;
$$;
revoke all on function private.replayed_row(text, uuid, text[], uuid) from public, anon, authenticated;

-- Reserve ---------------------------------------------------------------------------------------------------
create or replace function private.reserve_call_credits(
  p_user_id uuid, p_call_id uuid, p_amount bigint, p_idempotency_key text)
returns public.credit_transactions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_bal     public.user_credits;
  v_row     public.credit_transactions;
  v_call    public.calls;
  v_budget  public.user_budget_settings;
  v_tz      text;
  v_start   timestamptz;
  v_end     timestamptz;
  v_spent   bigint;
  v_held    bigint;
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

  select * into v_budget from public.user_budget_settings where user_id = p_user_id;
  if found then
    if p_amount > v_budget.per_call_cap_cents then
      perform private.money_error('budget_exceeded_per_call',
        format('This call needs %s credits but your per-call limit is %s. Raise the limit in Budget settings or choose a shorter call.',
               p_amount, v_budget.per_call_cap_cents));
    end if;
    if v_budget.auto_cutoff then
      select u.timezone into v_tz from public.users u where u.id = p_user_id;
      select b.month_start, b.month_end into v_start, v_end from private.budget_month(v_tz) b;
      select s.spent_cents, s.reserved_cents into v_spent, v_held from private.month_spend(p_user_id, v_start, v_end) s;
      if v_spent + v_held + p_amount > v_budget.monthly_cap_cents then
        perform private.money_error('budget_exceeded_monthly',
          format('This call needs %s credits but only %s of your monthly limit of %s is left. Raise the limit in Budget settings or wait until next month.',
                 p_amount, greatest(v_budget.monthly_cap_cents - v_spent - v_held, 0), v_budget.monthly_cap_cents));
      end if;
    end if;
  end if;

  if v_bal.available_credits < p_amount then
    perform private.money_error('insufficient_credits',
      format('This call needs %s credits but you have %s available. Buy a credit pack or pay by card.',
             p_amount, v_bal.available_credits));
  end if;

  v_row := private.apply_ledger_row(p_user_id, 'reservation', -p_amount, p_amount, 0, p_idempotency_key, p_call_id,
                                    null, null, 'Credits held for a call');
  update public.calls set payment_status = 'reserved', reserved_credits = p_amount where id = p_call_id;
  return v_row;
end;
$$;
comment on function private.reserve_call_credits(uuid, uuid, bigint, text) is
  'Holds credits for a call (calls row with payment_method credits, payment_status pending): checks the per-call '
  'cap, the monthly cap (calendar month in the user''s time zone, counting open reservations) and the balance '
  'under the user''s row lock. Idempotent by key. Service role only.';

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

  update public.calls
     set payment_status = case when p_charge is null then 'released' else 'settled' end,
         actual_cost_cents = v_charge,
         credits_used = v_charge
   where id = p_call_id;
  update public.call_cost_breakdowns set billed_credits = v_charge where call_id = p_call_id;
  return v_row;
end;
$$;
revoke all on function private.close_reservation(uuid, bigint, boolean, text) from public, anon, authenticated;

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
  return pg_catalog.ceil(p_cost_usd * 100 * (100 + p_markup_percent) / 100)::bigint;
end;
$$;
comment on function private.charge_cents(numeric, numeric) is
  'Cents charged for a provider cost (USD, exact numeric) plus markup percent, rounded up to a whole cent.';
revoke all on function private.charge_cents(numeric, numeric) from public, anon, authenticated;

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
comment on function private.settle_call(uuid, numeric, numeric, text, boolean) is
  'Ends a call''s credit reservation: charges ceil(actual_cost_usd x 100 x (1 + markup/100)) credits, at most the '
  'reserved amount unless p_allow_overage (then the excess comes from available credits, the rest becomes owed), '
  'and returns the rest to available. Idempotent by key. Service role only.';

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
comment on function private.release_call(uuid, text) is
  'Returns all reserved credits of a call that never connected; nothing is charged. Idempotent by key. Service role only.';

-- Grant and claw back ---------------------------------------------------------------------------------------
create or replace function private.grant_credits(
  p_user_id uuid, p_amount bigint, p_kind text, p_idempotency_key text,
  p_stripe_event_id text default null, p_stripe_object_id text default null, p_description text default null)
returns public.credit_transactions
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_bal   public.user_credits;
  v_row   public.credit_transactions;
  v_type  text;
  v_take  bigint;
  v_repay bigint;
begin
  v_type := case p_kind
    when 'purchase' then 'purchase'
    when 'subscription' then 'subscription_grant'
    when 'promo' then 'promo_grant'
    when 'adjustment' then 'adjustment'
    when 'refund_clawback' then 'refund'
  end;
  if v_type is null then
    perform private.money_error('kind_unknown',
      format('Unknown credit kind %s; use purchase, subscription, promo, adjustment or refund_clawback.', coalesce(p_kind, 'null')));
  end if;
  if p_amount is null or p_amount <= 0 then
    perform private.money_error('amount_not_positive', 'A grant or clawback must be a positive number of credits.');
  end if;
  perform private.check_key(p_idempotency_key);
  v_bal := private.lock_credits(p_user_id);

  v_row := private.replayed_row(p_idempotency_key, p_user_id, array[v_type], null);
  if v_row.id is not null then
    if (v_type = 'refund' and -v_row.amount + v_row.owed_delta <> p_amount)
       or (v_type <> 'refund' and v_row.amount - v_row.owed_delta <> p_amount) then
      perform private.money_error('idempotency_key_reused',
        format('The idempotency key %s was already used for a different amount.', p_idempotency_key));
    end if;
    return v_row;
  end if;

  if v_type = 'refund' then
    -- Take what is available; the rest is owed and repaid from the next credits that come in.
    v_take := least(p_amount, v_bal.available_credits);
    return private.apply_ledger_row(p_user_id, v_type, -v_take, 0, p_amount - v_take, p_idempotency_key, null,
                                    p_stripe_event_id, p_stripe_object_id,
                                    coalesce(p_description, 'Credits taken back after a refund'));
  end if;

  v_repay := least(p_amount, v_bal.owed_credits);
  return private.apply_ledger_row(p_user_id, v_type, p_amount - v_repay, 0, -v_repay, p_idempotency_key, null,
                                  p_stripe_event_id, p_stripe_object_id,
                                  coalesce(p_description, case v_type
                                    when 'purchase' then 'Credit pack purchased'
                                    when 'subscription_grant' then 'Monthly subscription credits'
                                    when 'promo_grant' then 'Promotional credits'
                                    else 'Balance adjustment' end));
end;
$$;
comment on function private.grant_credits(uuid, bigint, text, text, text, text, text) is
  'Adds credits (purchase, subscription, promo, adjustment; owed credits are repaid first) or claws them back '
  '(refund_clawback: from available, the shortfall recorded as owed). Idempotent by key. Service role only.';

-- Invariants ------------------------------------------------------------------------------------------------
create or replace function private.ledger_violations(p_user_id uuid default null)
returns table (user_id uuid, problem text)
language sql
stable
security definer
set search_path = ''
as $$
  with sums as (
    select t.user_id, sum(t.amount) as amount, sum(t.reserved_delta) as reserved, sum(t.owed_delta) as owed
    from public.credit_transactions t
    where p_user_id is null or t.user_id = p_user_id
    group by t.user_id
  ), chain as (
    select t.user_id, t.id, t.amount, t.reserved_delta, t.owed_delta, t.balance_after, t.reserved_after, t.owed_after,
           lag(t.balance_after, 1, 0::bigint) over w as prev_balance,
           lag(t.reserved_after, 1, 0::bigint) over w as prev_reserved,
           lag(t.owed_after, 1, 0::bigint) over w as prev_owed
    from public.credit_transactions t
    where p_user_id is null or t.user_id = p_user_id
    window w as (partition by t.user_id order by t.id)
  ), open_res as (
    select c.user_id, sum(c.reserved_credits) as reserved
    from public.calls c
    where c.payment_method = 'credits' and c.payment_status = 'reserved'
      and (p_user_id is null or c.user_id = p_user_id)
    group by c.user_id
  )
  select u.user_id, format('available %s <> ledger sum %s', u.available_credits, coalesce(s.amount, 0))
    from public.user_credits u left join sums s on s.user_id = u.user_id
   where (p_user_id is null or u.user_id = p_user_id) and u.available_credits <> coalesce(s.amount, 0)
  union all
  select u.user_id, format('reserved %s <> ledger sum %s', u.reserved_credits, coalesce(s.reserved, 0))
    from public.user_credits u left join sums s on s.user_id = u.user_id
   where (p_user_id is null or u.user_id = p_user_id) and u.reserved_credits <> coalesce(s.reserved, 0)
  union all
  select u.user_id, format('owed %s <> ledger sum %s', u.owed_credits, coalesce(s.owed, 0))
    from public.user_credits u left join sums s on s.user_id = u.user_id
   where (p_user_id is null or u.user_id = p_user_id) and u.owed_credits <> coalesce(s.owed, 0)
  union all
  select u.user_id, format('reserved %s <> open reservations %s', u.reserved_credits, coalesce(o.reserved, 0))
    from public.user_credits u left join open_res o on o.user_id = u.user_id
   where (p_user_id is null or u.user_id = p_user_id) and u.reserved_credits <> coalesce(o.reserved, 0)
  union all
  select u.user_id, 'negative balance'
    from public.user_credits u
   where (p_user_id is null or u.user_id = p_user_id)
     and (u.available_credits < 0 or u.reserved_credits < 0 or u.owed_credits < 0)
  union all
  select c.user_id, format('ledger row %s does not follow from the previous one', c.id)
    from chain c
   where c.balance_after <> c.prev_balance + c.amount
      or c.reserved_after <> c.prev_reserved + c.reserved_delta
      or c.owed_after <> c.prev_owed + c.owed_delta
$$;
comment on function private.ledger_violations(uuid) is
  'Audit: every way balances disagree with the ledger (sums, running totals, open reservations, negatives). '
  'Empty when the books are right. Service role only.';

-- Grants: the service role only ------------------------------------------------------------------------------
grant usage on schema private to service_role;
revoke all on function private.reserve_call_credits(uuid, uuid, bigint, text) from public, anon, authenticated;
revoke all on function private.settle_call(uuid, numeric, numeric, text, boolean) from public, anon, authenticated;
revoke all on function private.release_call(uuid, text) from public, anon, authenticated;
revoke all on function private.grant_credits(uuid, bigint, text, text, text, text, text) from public, anon, authenticated;
revoke all on function private.ledger_violations(uuid) from public, anon, authenticated;
grant execute on function private.reserve_call_credits(uuid, uuid, bigint, text) to service_role;
grant execute on function private.settle_call(uuid, numeric, numeric, text, boolean) to service_role;
grant execute on function private.release_call(uuid, text) to service_role;
grant execute on function private.grant_credits(uuid, bigint, text, text, text, text, text) to service_role;
grant execute on function private.ledger_violations(uuid) to service_role;
-- Lets the service show a user the exact charge before settling.
grant execute on function private.charge_cents(numeric, numeric) to service_role;
