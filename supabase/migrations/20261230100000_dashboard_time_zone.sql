-- The dashboard's answer names the user's time zone, so the page labels each call's time where the user lives
-- (its days are already counted in that zone) instead of in UTC.

create or replace function public.dashboard(p_days integer default 30, p_latency_calls integer default 20)
returns jsonb
language sql
stable
as $$
  select jsonb_build_object(
    'budget', (select to_jsonb(b) from public.budget_status() b),
    'activity', coalesce((select jsonb_agg(to_jsonb(a) order by a.day) from public.dashboard_activity(p_days) a), '[]'),
    'providers', coalesce((select jsonb_agg(to_jsonb(p) order by p.charged_usd desc, p.service)
                             from public.dashboard_provider_costs(p_days) p), '[]'),
    'latencies', coalesce((select jsonb_agg(to_jsonb(l) order by l.created_at desc)
                             from public.dashboard_call_latencies(p_latency_calls) l), '[]'),
    'has_calls', exists (select 1 from public.calls c where c.user_id = (select auth.uid())),
    'timezone', coalesce((select u.timezone from public.users u where u.id = (select auth.uid())), 'UTC')
  )
$$;
comment on function public.dashboard(integer, integer) is
  'Everything the signed-in home shows, in one answer: budget_status() (this month''s spend against the cap), '
  'dashboard_activity, dashboard_provider_costs and dashboard_call_latencies, whether the user has any call, and '
  'the user''s time zone (the days are counted in it; the page labels times in it). '
  'One request instead of five: the page waits for the slowest, and each request has its own fixed cost.';
