-- The owner's schema names the spending limits user_budget_settings.max_cost_per_call_cents (default 1000),
-- max_monthly_spend_cents (10000), warn_at_percent_per_call (75, an integer) and enable_auto_cutoff (true); the
-- product had per_call_cap_cents (300), monthly_cap_cents (2000), warn_at_percent (80, smallint) and auto_cutoff.
-- Renamed in place: every user keeps the limits they chose, and new accounts get the seed's defaults. The functions
-- that name the columns are re-created; budget_status() returns them under the new names, so it is dropped and
-- created again (a function's result columns cannot be renamed in place).

alter table public.user_budget_settings rename column per_call_cap_cents to max_cost_per_call_cents;
alter table public.user_budget_settings rename column monthly_cap_cents to max_monthly_spend_cents;
alter table public.user_budget_settings rename column warn_at_percent to warn_at_percent_per_call;
alter table public.user_budget_settings rename column auto_cutoff to enable_auto_cutoff;
alter table public.user_budget_settings alter column warn_at_percent_per_call type integer;

alter table public.user_budget_settings alter column max_cost_per_call_cents set default 1000;
alter table public.user_budget_settings alter column max_monthly_spend_cents set default 10000;
alter table public.user_budget_settings alter column warn_at_percent_per_call set default 75;
alter table public.user_budget_settings alter column enable_auto_cutoff set default true;

alter table public.user_budget_settings
  rename constraint user_budget_settings_per_call_cap_positive to user_budget_settings_max_cost_per_call_positive;
alter table public.user_budget_settings
  rename constraint user_budget_settings_monthly_cap_positive to user_budget_settings_max_monthly_spend_positive;
alter table public.user_budget_settings
  rename constraint user_budget_settings_warn_at_percent_range to user_budget_settings_warn_at_percent_per_call_range;

comment on column public.user_budget_settings.max_cost_per_call_cents is
  'Most a single call may cost, in US cents (= credits); sets the call''s max duration.';
comment on column public.user_budget_settings.max_monthly_spend_cents is
  'Most all calls in a calendar month (user''s time zone) may cost, in US cents.';
comment on column public.user_budget_settings.warn_at_percent_per_call is
  'At this share of the call''s cap the persona starts wrapping up, and at this share of the monthly cap the user '
  'is warned (1-100).';
comment on column public.user_budget_settings.enable_auto_cutoff is
  'When true, calls over the monthly cap are refused and a call ends politely at it; when false the user is only '
  'warned (the per-call cap still applies).';

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
    if p_amount > v_budget.max_cost_per_call_cents then
      perform private.money_error('budget_exceeded_per_call',
        format('This call needs %s credits but your per-call limit is %s. Raise the limit in Budget settings or choose a shorter call.',
               p_amount, v_budget.max_cost_per_call_cents));
    end if;
    if v_budget.enable_auto_cutoff then
      select u.timezone into v_tz from public.users u where u.id = p_user_id;
      select b.month_start, b.month_end into v_start, v_end from private.budget_month(v_tz) b;
      select s.spent_cents, s.reserved_cents into v_spent, v_held from private.month_spend(p_user_id, v_start, v_end) s;
      if v_spent + v_held + p_amount > v_budget.max_monthly_spend_cents then
        perform private.money_error('budget_exceeded_monthly',
          format('This call needs %s credits but only %s of your monthly limit of %s is left. Raise the limit in Budget settings or wait until next month.',
                 p_amount, greatest(v_budget.max_monthly_spend_cents - v_spent - v_held, 0), v_budget.max_monthly_spend_cents));
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

drop function public.budget_status();

create or replace function public.budget_status()
returns table (
  month_start         timestamptz,
  month_end           timestamptz,
  timezone            text,
  spent_cents         bigint,
  reserved_cents      bigint,
  remaining_cents     bigint,
  max_monthly_spend_cents  integer,
  max_cost_per_call_cents  integer,
  warn_at_percent_per_call integer,
  enable_auto_cutoff       boolean,
  used_percent        numeric,
  warn_reached        boolean,
  available_credits   bigint,
  owed_credits        bigint
)
language sql
stable
security invoker
set search_path = ''
as $$
  with me as (
    select u.id, u.timezone from public.users u where u.id = (select auth.uid())
  ), month as (
    select m.id, m.timezone,
           pg_catalog.timezone(m.timezone, d) as month_start,
           pg_catalog.timezone(m.timezone, d + interval '1 month') as month_end
    from me m,
         lateral (select pg_catalog.date_trunc('month', pg_catalog.timezone(m.timezone, pg_catalog.now())) as d) dd
  ), spend as (
    select
      coalesce(sum(case when c.payment_status = 'settled' then coalesce(c.actual_cost_cents, 0) else 0 end), 0)::bigint as spent,
      coalesce(sum(case c.payment_status when 'reserved' then c.reserved_credits
                                         when 'authorized' then c.estimated_cost_cents else 0 end), 0)::bigint as held
    from month m
    join public.calls c on c.user_id = m.id and c.created_at >= m.month_start and c.created_at < m.month_end
      and c.payment_method <> 'demo'
  )
  select m.month_start, m.month_end, m.timezone, s.spent, s.held,
         greatest(b.max_monthly_spend_cents - s.spent - s.held, 0)::bigint,
         b.max_monthly_spend_cents, b.max_cost_per_call_cents, b.warn_at_percent_per_call, b.enable_auto_cutoff,
         round(100.0 * (s.spent + s.held) / b.max_monthly_spend_cents, 1),
         (s.spent + s.held) * 100 >= b.max_monthly_spend_cents::bigint * b.warn_at_percent_per_call,
         cr.available_credits, cr.owed_credits
  from month m
  cross join spend s
  join public.user_budget_settings b on b.user_id = m.id
  join public.user_credits cr on cr.user_id = m.id
$$;
comment on function public.budget_status() is
  'The signed-in user''s budget this calendar month (their time zone): spent (settled calls), reserved (open '
  'reservations and card holds), remaining under the monthly cap, the caps, warn-at percent and whether it is '
  'reached, and the credit balance. One row; no rows when not signed in. Runs with the caller''s rights.';

revoke all on function public.budget_status() from public, anon;
grant execute on function public.budget_status() to authenticated, service_role;
