-- A placed call never spends more than it was placed with. A credits call is bounded by its hold and a card call by
-- its authorised estimate; a demo call holds nothing, so its cut-off followed the limits as they are now: raising the
-- per-call limit during a demo call raised its cut-off while its time limit, fixed when it was placed from the cut-off
-- then, stayed. The call then ran into its time limit with money left. A demo call's own money is now its cut-off when
-- placed (estimated_cost_cents), as a hold is: a limit lowered during a call still ends it sooner; a limit raised
-- applies to the next call.
create or replace function private.call_allowance(
  p_user_id uuid, p_payment_method text, p_telephony boolean, p_requested_seconds integer default null,
  p_call_id uuid default null)
returns table (
  per_call_cents          integer,
  monthly_remaining_cents integer,
  credits_cents           bigint,
  binding                 text,
  binding_cents           bigint,
  one_minute_cents        integer,
  estimate_cents          integer,
  hold_cents              integer,
  cutoff_cents            integer,
  warn_percent            integer,
  warn_cents              integer,
  max_seconds             integer,
  refusal                 text,
  refusal_message         text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_call      public.calls;
  v_budget    public.user_budget_settings;
  v_tz        text;
  v_start     timestamptz;
  v_end       timestamptz;
  v_spent     bigint := 0;
  v_held      bigint := 0;
  v_own       bigint;
  v_monthly   bigint;
  v_credits   bigint;
  v_bind      text;
  v_bind_c    bigint;
  v_requested integer;
  v_legs      text[];
  v_one       integer;
  v_estimate  integer;
  v_hold      bigint;
  v_cutoff    bigint;
  v_refusal   text;
  v_sentence  text;
begin
  if p_call_id is not null then
    select * into v_call from public.calls c where c.id = p_call_id and c.user_id = p_user_id;
    if not found then
      return;
    end if;
  end if;
  select * into v_budget from public.user_budget_settings b where b.user_id = p_user_id;
  select u.timezone into v_tz from public.users u where u.id = p_user_id;
  select m.month_start, m.month_end into v_start, v_end from private.budget_month(v_tz) m;
  select s.spent_cents, s.reserved_cents into v_spent, v_held from private.month_spend(p_user_id, v_start, v_end) s;
  if v_call.id is not null then
    v_own := case when v_call.payment_status = 'reserved' then v_call.reserved_credits
                  when v_call.payment_status = 'authorized' then v_call.estimated_cost_cents
                  -- A demo call holds nothing: its cut-off when placed stands in for the hold.
                  when v_call.payment_method = 'demo' then v_call.estimated_cost_cents end;
  end if;
  if v_budget.user_id is not null and v_budget.enable_auto_cutoff and p_payment_method <> 'demo' then
    v_monthly := v_budget.max_monthly_spend_cents - v_spent - v_held
      + case when v_call.created_at >= v_start and v_call.created_at < v_end then coalesce(v_own, 0) else 0 end;
  end if;
  if p_payment_method = 'credits' and (v_call.id is null or v_call.payment_status = 'pending') then
    select c.available_credits into v_credits from public.user_credits c where c.user_id = p_user_id;
  end if;

  -- The limit that binds, first in this order on a tie: per call, month, balance.
  select l.code, l.cents into v_bind, v_bind_c
    from (values (1, 'budget_exceeded_per_call', v_budget.max_cost_per_call_cents::bigint),
                 (2, 'budget_exceeded_monthly', v_monthly),
                 (3, 'insufficient_credits', v_credits)) l(rank, code, cents)
   where l.cents is not null
   order by l.cents, l.rank
   limit 1;

  if v_call.id is not null then
    -- A placed call: its time limit and estimate were fixed when it was placed.
    v_cutoff := least(v_bind_c, v_own);
    if v_cutoff is not null then
      v_cutoff := greatest(v_cutoff, 0);
    end if;
    return query select v_budget.max_cost_per_call_cents, v_monthly::integer, v_credits, v_bind, v_bind_c,
      null::integer, v_call.estimated_cost_cents,
      case when v_call.payment_method = 'demo' then 0 else coalesce(v_own, 0) end::integer, v_cutoff::integer, v_budget.warn_at_percent_per_call,
      pg_catalog.ceil(v_cutoff * v_budget.warn_at_percent_per_call / 100.0)::integer, v_call.max_duration_seconds,
      null::text, null::text;
    return;
  end if;

  v_requested := least(coalesce(p_requested_seconds, private.max_call_seconds()), private.max_call_seconds());
  v_legs := private.call_line_legs(case when p_telephony then 'phone' else 'browser' end, false);
  v_one := pg_catalog.ceil(private.estimate_call_cents(60, p_telephony));
  v_estimate := pg_catalog.ceil(private.estimate_call_cents(v_requested, p_telephony));
  if v_bind is not null and pg_catalog.ceil(private.estimate_call_cents(least(60, v_requested), p_telephony)) > v_bind_c then
    v_refusal := v_bind;
    -- Limits are set in dollars, so they are told in dollars; a balance is told in credits (1 credit = 1 cent).
    v_sentence := case v_bind
      when 'budget_exceeded_per_call' then format(
        'Even a one-minute call costs about %s, more than your per-call limit of %s. Raise the limit in Budget settings.',
        private.dollars(v_one), private.dollars(v_budget.max_cost_per_call_cents))
      when 'budget_exceeded_monthly' then format(
        'Only %s of your monthly limit is left, and a one-minute call costs about %s. Raise the limit in Budget settings or wait until next month.',
        private.dollars(greatest(v_monthly, 0)), private.dollars(v_one))
      else format('You have %s credits and a one-minute call costs about %s credits. Buy a credit pack or pay by card.', v_credits, v_one)
    end;
  end if;
  v_cutoff := greatest(least(v_estimate, v_bind_c), 0);
  v_hold := case when p_payment_method = 'demo' then 0 else v_cutoff end;
  return query select v_budget.max_cost_per_call_cents, v_monthly::integer, v_credits, v_bind, v_bind_c, v_one, v_estimate,
    v_hold::integer, v_cutoff::integer, v_budget.warn_at_percent_per_call,
    pg_catalog.ceil(v_cutoff * v_budget.warn_at_percent_per_call / 100.0)::integer,
    case when v_refusal is null then least(v_requested, private.seconds_for_cents(v_cutoff, v_legs, v_requested)) else 0 end,
    v_refusal, v_sentence;
end;
$$;
comment on function private.call_allowance(uuid, text, boolean, integer, uuid) is
  'A call''s allowance in cents: per-call cap, monthly remainder (auto cut-off on, not demo; the call''s own hold '
  'added back), available credits (credits calls not yet held), the binding limit, a one-minute and the requested '
  'call''s estimate, the hold (0 for demo), the cut-off and warn points, the time limit in seconds, and the refusal '
  '(budget_exceeded_per_call, budget_exceeded_monthly, insufficient_credits) with its sentence when not even a '
  'one-minute call fits. p_call_id: the allowance of a placed call. Service role only.';
