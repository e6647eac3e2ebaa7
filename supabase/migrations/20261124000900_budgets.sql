-- Spending limits the user sets.

create table public.user_budget_settings (
  user_id            uuid primary key default auth.uid() references public.users (id) on delete cascade,
  per_call_cap_cents integer not null default 300,
  monthly_cap_cents  integer not null default 2000,
  warn_at_percent    smallint not null default 80,
  auto_cutoff        boolean not null default true,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  constraint user_budget_settings_per_call_cap_positive check (per_call_cap_cents > 0),
  constraint user_budget_settings_monthly_cap_positive check (monthly_cap_cents > 0),
  constraint user_budget_settings_per_call_within_monthly check (per_call_cap_cents <= monthly_cap_cents),
  constraint user_budget_settings_warn_at_percent_range check (warn_at_percent between 1 and 100)
);
comment on table public.user_budget_settings is
  'Spending limits per user, created with defaults at sign-up and edited by the user. Checked before every call '
  'is placed and enforced live by the relay.';
comment on column public.user_budget_settings.per_call_cap_cents is 'Most a single call may cost, in US cents (= credits); sets the call''s max duration.';
comment on column public.user_budget_settings.monthly_cap_cents is 'Most all calls in a calendar month (user''s time zone) may cost, in US cents.';
comment on column public.user_budget_settings.warn_at_percent is 'At this share of a cap the persona starts wrapping up and the user is warned (1-100).';
comment on column public.user_budget_settings.auto_cutoff is 'When true, the call ends politely at the cap; when false the user is only warned (per-call cap still applies).';

create trigger user_budget_settings_set_updated_at
  before update on public.user_budget_settings
  for each row execute function private.set_updated_at();

alter table public.user_budget_settings enable row level security;

create policy "Users can read their own budget"
  on public.user_budget_settings for select to authenticated
  using (user_id = (select auth.uid()));

create policy "Users can create their own budget"
  on public.user_budget_settings for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy "Users can update their own budget"
  on public.user_budget_settings for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

revoke all on table public.user_budget_settings from anon, authenticated;
grant select on table public.user_budget_settings to authenticated;
-- user_id is writable so that upserts work; the policies pin it to the caller.
grant insert (user_id, per_call_cap_cents, monthly_cap_cents, warn_at_percent, auto_cutoff)
  on table public.user_budget_settings to authenticated;
grant update (user_id, per_call_cap_cents, monthly_cap_cents, warn_at_percent, auto_cutoff)
  on table public.user_budget_settings to authenticated;
