-- Calls booked for later, optionally recurring.

create table public.scheduled_calls (
  id                   uuid primary key default gen_random_uuid(),
  user_id              uuid not null default auth.uid() references public.users (id) on delete cascade,
  series_id            uuid not null default gen_random_uuid(),
  -- Restrict: personas are retired with is_active = false, never deleted from under a schedule.
  persona_id           uuid not null references public.personas (id) on delete restrict,
  -- Set null: deleting a template leaves the booking as a plain call with the persona.
  scenario_template_id uuid references public.call_scenario_templates (id) on delete set null,
  phone_number_id      uuid,
  custom_instructions  text,
  max_duration_seconds integer,
  scheduled_at         timestamptz not null,
  timezone             text not null,
  local_time           time not null,
  recurrence           text not null default 'none',
  status               text not null default 'pending',
  failure_reason       text,
  attempts             integer not null default 0,
  claimed_at           timestamptz,
  dispatched_at        timestamptz,
  canceled_at          timestamptz,
  call_id              uuid unique,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  constraint scheduled_calls_id_user_id_key unique (id, user_id),
  -- A recurrence creates each next occurrence once, however often the dispatcher retries.
  constraint scheduled_calls_series_occurrence_key unique (series_id, scheduled_at),
  -- Composite key: only the owner's own verified number. Removing the number clears it and the dispatcher then
  -- fails the occurrence with a reason instead of dialling.
  constraint scheduled_calls_phone_number_fkey foreign key (phone_number_id, user_id)
    references public.user_phone_numbers (id, user_id) on delete set null (phone_number_id),
  constraint scheduled_calls_call_fkey foreign key (call_id, user_id)
    references public.calls (id, user_id) on delete set null (call_id),
  constraint scheduled_calls_timezone_iana check (private.is_iana_timezone(timezone)),
  constraint scheduled_calls_recurrence_valid check (recurrence in ('none', 'daily', 'weekdays', 'weekly')),
  constraint scheduled_calls_status_valid check (status in
    ('pending', 'claimed', 'dispatched', 'completed', 'missed', 'failed', 'canceled')),
  constraint scheduled_calls_failure_has_reason check (
    (status in ('missed', 'failed')) = (failure_reason is not null)),
  constraint scheduled_calls_failure_reason_length check (char_length(failure_reason) between 1 and 500),
  constraint scheduled_calls_canceled_has_time check ((status = 'canceled') = (canceled_at is not null)),
  constraint scheduled_calls_dispatched_has_call check (status not in ('dispatched', 'completed') or call_id is not null),
  constraint scheduled_calls_attempts_nonnegative check (attempts >= 0),
  constraint scheduled_calls_max_duration_range check (max_duration_seconds between 30 and 3600),
  constraint scheduled_calls_custom_instructions_length check (char_length(custom_instructions) <= 1000)
);
comment on table public.scheduled_calls is
  'Calls booked for later. One row per occurrence: the dispatcher claims due pending rows, places at most one call '
  'each, and for a recurrence inserts the next occurrence (same series_id) computed in the user''s time zone. '
  'Users create and cancel their own; the dispatcher updates the rest.';
comment on column public.scheduled_calls.series_id is 'Shared by all occurrences of one recurring booking.';
comment on column public.scheduled_calls.phone_number_id is 'Verified number to ring; null if the user removed it (the occurrence then fails).';
comment on column public.scheduled_calls.max_duration_seconds is 'Optional cap for this call; null means the scenario default within the budget.';
comment on column public.scheduled_calls.scheduled_at is 'The instant this occurrence is due (UTC).';
comment on column public.scheduled_calls.timezone is 'IANA zone the user booked in; next occurrences keep local_time in this zone across DST.';
comment on column public.scheduled_calls.local_time is 'Wall-clock time the user chose (e.g. 07:00) in timezone.';
comment on column public.scheduled_calls.recurrence is 'none, daily, weekdays (Mon-Fri) or weekly.';
comment on column public.scheduled_calls.status is
  'pending -> claimed -> dispatched -> completed; or missed (the run came too late to ring), failed, canceled.';
comment on column public.scheduled_calls.failure_reason is 'Why the occurrence was missed or failed, in words the user can act on.';
comment on column public.scheduled_calls.attempts is 'How many times the dispatcher has claimed this occurrence.';
comment on column public.scheduled_calls.claimed_at is 'When a dispatcher run claimed it (stale claims are retried by the reconciler).';
comment on column public.scheduled_calls.call_id is 'The call this occurrence produced.';

-- The dispatcher's hot query: pending rows that are due, oldest first.
create index scheduled_calls_due_idx on public.scheduled_calls (scheduled_at) where status = 'pending';
create index scheduled_calls_user_scheduled_idx on public.scheduled_calls (user_id, scheduled_at desc);
create index scheduled_calls_persona_id_idx on public.scheduled_calls (persona_id);
create index scheduled_calls_scenario_template_id_idx on public.scheduled_calls (scenario_template_id);
create index scheduled_calls_phone_number_id_idx on public.scheduled_calls (phone_number_id);

-- calls.scheduled_call_id is unique: an occurrence can produce at most one call, checked when the call row is
-- written, before anything is dialled.
alter table public.calls
  add constraint calls_scheduled_call_fkey foreign key (scheduled_call_id, user_id)
    references public.scheduled_calls (id, user_id) on delete set null (scheduled_call_id);

create trigger scheduled_calls_set_updated_at
  before update on public.scheduled_calls
  for each row execute function private.set_updated_at();

create or replace function private.stamp_scheduled_call_cancel()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status = 'canceled' and new.canceled_at is null then
    new.canceled_at := pg_catalog.now();
  end if;
  return new;
end;
$$;
comment on function private.stamp_scheduled_call_cancel() is 'Trigger: sets canceled_at when a scheduled call is canceled.';

create trigger scheduled_calls_stamp_cancel
  before insert or update of status on public.scheduled_calls
  for each row execute function private.stamp_scheduled_call_cancel();

alter table public.scheduled_calls enable row level security;

create policy "Users can read their own scheduled calls"
  on public.scheduled_calls for select to authenticated
  using (user_id = (select auth.uid()));

create policy "Users can schedule calls for themselves"
  on public.scheduled_calls for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and status = 'pending'
    and scheduled_at > now()
    and phone_number_id is not null
    and exists (select 1 from public.personas p where p.id = persona_id and p.is_active)
    and (scenario_template_id is null or exists (
      select 1 from public.call_scenario_templates t
      where t.id = scenario_template_id and (t.user_id is null or t.user_id = (select auth.uid()))))
  );

create policy "Users can cancel their own pending scheduled calls"
  on public.scheduled_calls for update to authenticated
  using (user_id = (select auth.uid()) and status = 'pending')
  with check (user_id = (select auth.uid()) and status = 'canceled');

revoke all on table public.scheduled_calls from anon, authenticated;
grant select on table public.scheduled_calls to authenticated;
grant insert (id, user_id, persona_id, scenario_template_id, phone_number_id, custom_instructions, max_duration_seconds,
              scheduled_at, timezone, local_time, recurrence)
  on table public.scheduled_calls to authenticated;
-- Cancelling is the only change a user makes; rebooking is cancel + create.
grant update (status) on table public.scheduled_calls to authenticated;

alter publication supabase_realtime add table public.scheduled_calls;
