-- Budget status for the signed-in user, read by the web app's budget panel.
--
-- Security invoker: it runs with the caller's rights, so row-level security limits every table it reads to the
-- caller's own rows (auth.uid()). The month is the calendar month in the user's time zone, and "spent" follows
-- the same rule the reservation check uses (private.month_spend): every call started this month counts at its
-- settled cost, and open credit reservations / card authorisations count as reserved.

create or replace function public.budget_status()
returns table (
  month_start         timestamptz,
  month_end           timestamptz,
  timezone            text,
  spent_cents         bigint,
  reserved_cents      bigint,
  remaining_cents     bigint,
  monthly_cap_cents   integer,
  per_call_cap_cents  integer,
  warn_at_percent     smallint,
  auto_cutoff         boolean,
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
         greatest(b.monthly_cap_cents - s.spent - s.held, 0)::bigint,
         b.monthly_cap_cents, b.per_call_cap_cents, b.warn_at_percent, b.auto_cutoff,
         round(100.0 * (s.spent + s.held) / b.monthly_cap_cents, 1),
         (s.spent + s.held) * 100 >= b.monthly_cap_cents::bigint * b.warn_at_percent,
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
