-- Dispatching scheduled calls: claiming due occurrences exactly once, pacing dials to a global calls-per-second
-- limit, skipping runs that come too late, chaining recurrences, and tidying up after a dispatcher that stopped.
-- The dispatcher function computes each next occurrence with the product's time-zone rules (core/schedule.ts) and
-- inserts it through private.schedule_next_occurrence in the same transaction as the claim.

alter table public.scheduled_calls add column dial_at timestamptz;
comment on column public.scheduled_calls.dial_at is
  'The second the dispatcher dials this occurrence: its scheduled time, or later when calls due together are paced to '
  'the calls-per-second limit.';
-- The pacer reads the latest planned dial near now.
create index scheduled_calls_dial_at_idx on public.scheduled_calls (dial_at) where dial_at is not null;

alter table public.scheduled_calls add column previous_id uuid;
alter table public.scheduled_calls
  -- One next occurrence per occurrence, whatever the dispatcher computes or however often it retries.
  add constraint scheduled_calls_previous_once unique (previous_id),
  add constraint scheduled_calls_previous_fkey foreign key (previous_id)
    references public.scheduled_calls (id) on delete set null;
-- The reconciler's scans: claims a stopped run left behind, and dispatched occurrences waiting for their call to end.
create index scheduled_calls_in_flight_idx on public.scheduled_calls (claimed_at) where status in ('claimed', 'dispatched');
comment on column public.scheduled_calls.previous_id is 'The occurrence of the same series this one follows; unique, so each occurrence has at most one next.';

-- Bookings are for the next 90 days at most (a typo in the year would otherwise book a call in 2062).
drop policy "Users can schedule calls for themselves" on public.scheduled_calls;
create policy "Users can schedule calls for themselves"
  on public.scheduled_calls for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and status = 'pending'
    and scheduled_at > now()
    and scheduled_at <= now() + interval '90 days'
    and phone_number_id is not null
    and exists (select 1 from public.personas p where p.id = persona_id and p.is_active)
    and (scenario_template_id is null or exists (
      select 1 from public.call_scenario_templates t
      where t.id = scenario_template_id and (t.user_id is null or t.user_id = (select auth.uid()))))
  );

-- Claims what a dispatcher run should ring: pending occurrences due by p_now + p_lookahead (the next tick), oldest
-- first, skipping rows another run or a cancelling user holds. Each claimed row gets its dial second (dial_at) from a
-- pacer shared by every run: calls due together are spaced 1/p_calls_per_second apart after the latest dial already
-- planned. Occurrences more than p_missed_after late (a late run, or a pace that cannot reach them in time) become
-- missed with a reason and are never dialled. Rows whose slot lies beyond p_horizon stay pending for the next run, so
-- one run never outlives a function's time limit. p_now and p_user_ids let support tooling and tests replay a moment
-- for a few users on a shared database; the dispatcher passes neither. Returns the claimed and the missed rows.
create or replace function private.claim_due_scheduled_calls(
  p_limit integer default 100,
  p_calls_per_second numeric default 1,
  p_now timestamptz default null,
  p_lookahead interval default interval '60 seconds',
  p_missed_after interval default interval '10 minutes',
  p_horizon interval default interval '90 seconds',
  p_user_ids uuid[] default null)
returns setof public.scheduled_calls
language plpgsql security definer set search_path = '' as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_step interval;
  v_next timestamptz;
  v_slot timestamptz;
  v_ids uuid[];
  v_done uuid[] := '{}';
  v_row public.scheduled_calls;
  v_due text;
begin
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'claim_due_scheduled_calls: p_limit must be between 1 and 1000, got %', p_limit using errcode = '22023';
  end if;
  if p_calls_per_second is null or p_calls_per_second <= 0 or p_calls_per_second > 1000 then
    raise exception 'claim_due_scheduled_calls: p_calls_per_second must be above 0 and at most 1000, got %', p_calls_per_second
      using errcode = '22023';
  end if;
  v_step := pg_catalog.make_interval(secs => (1 / p_calls_per_second)::double precision);

  select pg_catalog.array_agg(d.id order by d.scheduled_at, d.id) into v_ids
    from (select s.id, s.scheduled_at from public.scheduled_calls s
           where s.status = 'pending' and s.scheduled_at <= v_now + p_lookahead
             and (p_user_ids is null or s.user_id = any (p_user_ids))
           order by s.scheduled_at, s.id
           limit p_limit
           for update skip locked) d;
  if v_ids is null then
    return;
  end if;

  -- Runs overlap (each waits for its rows' seconds); they take dial slots one at a time so the pace is global.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('scheduled_calls.dial_pacer'));
  select max(s.dial_at) + v_step into v_next from public.scheduled_calls s
   where s.dial_at > v_now - interval '1 minute' and s.dial_at <= v_now + p_horizon + p_lookahead;
  v_next := greatest(v_next, v_now);

  for v_row in select * from public.scheduled_calls s where s.id = any (v_ids) order by s.scheduled_at, s.id loop
    v_due := pg_catalog.to_char(v_row.scheduled_at at time zone v_row.timezone, 'HH24:MI');
    v_slot := greatest(v_next, v_row.scheduled_at);
    if v_row.scheduled_at < v_now - p_missed_after then
      update public.scheduled_calls s
         set status = 'missed', claimed_at = v_now, attempts = s.attempts + 1,
             failure_reason = pg_catalog.format(
               'This call was due at %s (%s), but our scheduler could not place it until %s, so it was skipped '
               'rather than ringing you late.', v_due, v_row.timezone,
               pg_catalog.to_char(v_now at time zone v_row.timezone, 'HH24:MI'))
       where s.id = v_row.id;
    elsif v_slot - v_row.scheduled_at > p_missed_after then
      update public.scheduled_calls s
         set status = 'missed', claimed_at = v_now, attempts = s.attempts + 1,
             failure_reason = pg_catalog.format(
               'Too many calls were due at %s (%s) to place this one within %s minutes, so it was skipped rather '
               'than ringing you late.', v_due, v_row.timezone,
               pg_catalog.round(extract(epoch from p_missed_after) / 60))
       where s.id = v_row.id;
    elsif v_slot > v_now + p_horizon then
      exit;
    else
      update public.scheduled_calls s
         set status = 'claimed', claimed_at = v_now, attempts = s.attempts + 1, dial_at = v_slot
       where s.id = v_row.id;
      v_next := v_slot + v_step;
    end if;
    v_done := v_done || v_row.id;
  end loop;

  return query select * from public.scheduled_calls s where s.id = any (v_done) order by s.scheduled_at, s.id;
end;
$$;
comment on function private.claim_due_scheduled_calls(integer, numeric, timestamptz, interval, interval, interval, uuid[]) is
  'Claims due scheduled calls once (FOR UPDATE SKIP LOCKED), plans each dial second under a global calls-per-second '
  'pace, and marks occurrences that are too late as missed. Service role only.';
revoke all on function private.claim_due_scheduled_calls(integer, numeric, timestamptz, interval, interval, interval, uuid[])
  from public, anon, authenticated;
grant execute on function private.claim_due_scheduled_calls(integer, numeric, timestamptz, interval, interval, interval, uuid[])
  to service_role;

-- The next occurrence of a recurring booking, at an instant the caller computed in the user's time zone. Inserting
-- it twice (a retried run, two runs) changes nothing: previous_id and (series_id, scheduled_at) are unique.
-- Returns the new occurrence's id, or null when it already exists or the booking does not recur.
create or replace function private.schedule_next_occurrence(p_previous_id uuid, p_next_at timestamptz)
returns uuid
language plpgsql security definer set search_path = '' as $$
declare
  v_id uuid;
begin
  insert into public.scheduled_calls (user_id, series_id, previous_id, persona_id, scenario_template_id, phone_number_id,
                                      custom_instructions, max_duration_seconds, scheduled_at, timezone, local_time,
                                      recurrence)
  select s.user_id, s.series_id, s.id, s.persona_id, s.scenario_template_id, s.phone_number_id, s.custom_instructions,
         s.max_duration_seconds, p_next_at, s.timezone, s.local_time, s.recurrence
    from public.scheduled_calls s
   where s.id = p_previous_id and s.recurrence <> 'none' and p_next_at > s.scheduled_at
  on conflict do nothing
  returning id into v_id;
  return v_id;
end;
$$;
comment on function private.schedule_next_occurrence(uuid, timestamptz) is
  'Inserts the next occurrence of a recurring booking once (unique previous_id and series time). Service role only.';
revoke all on function private.schedule_next_occurrence(uuid, timestamptz) from public, anon, authenticated;
grant execute on function private.schedule_next_occurrence(uuid, timestamptz) to service_role;

-- After a dispatcher run stopped half-way: a claim older than p_stale_after (far beyond any run's time limit) either
-- produced a call (it becomes dispatched) or never will (missed, with a reason). Dispatched occurrences whose call
-- has ended become completed. Returns how many rows each step changed.
create or replace function private.reconcile_scheduled_calls(
  p_now timestamptz default null, p_stale_after interval default interval '15 minutes')
returns table (outcome text, occurrences integer)
language plpgsql security definer set search_path = '' as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_n integer;
begin
  with stale as (
    select s.id from public.scheduled_calls s
     where s.status = 'claimed' and s.claimed_at < v_now - p_stale_after
     for update skip locked)
  update public.scheduled_calls s
     set status = 'dispatched', call_id = c.id, dispatched_at = coalesce(c.dialed_at, c.created_at)
    from stale, public.calls c
   where s.id = stale.id and c.scheduled_call_id = s.id;
  get diagnostics v_n = row_count;
  outcome := 'dispatched'; occurrences := v_n; return next;

  with stale as (
    select s.id from public.scheduled_calls s
     where s.status = 'claimed' and s.claimed_at < v_now - p_stale_after
       and not exists (select 1 from public.calls c where c.scheduled_call_id = s.id)
     for update skip locked)
  update public.scheduled_calls s
     set status = 'missed',
         failure_reason = 'Our scheduler stopped before placing this call, and it was too late to ring you by the '
                          'time we noticed. Nothing was charged.'
    from stale
   where s.id = stale.id;
  get diagnostics v_n = row_count;
  outcome := 'missed'; occurrences := v_n; return next;

  update public.scheduled_calls s
     set status = 'completed'
    from public.calls c
   where s.status = 'dispatched' and c.id = s.call_id and private.call_status_rank(c.status) = 5;
  get diagnostics v_n = row_count;
  outcome := 'completed'; occurrences := v_n; return next;
end;
$$;
comment on function private.reconcile_scheduled_calls(timestamptz, interval) is
  'Finishes scheduled calls a stopped dispatcher left claimed, and completes those whose call ended. Service role only.';
revoke all on function private.reconcile_scheduled_calls(timestamptz, interval) from public, anon, authenticated;
grant execute on function private.reconcile_scheduled_calls(timestamptz, interval) to service_role;

-- Calls the reconciler must look at: still open well past the longest they could last (ring timeout + max duration
-- + p_margin) because their final status callback never came ('stuck'), or ended but unsettled past the media grace
-- period because the relay never reported ('unsettled').
create or replace function private.calls_to_reconcile(
  p_now timestamptz default null,
  p_margin interval default interval '3 minutes',
  p_ring_timeout_seconds integer default 25,
  p_grace interval default interval '2 minutes',
  p_limit integer default 100)
returns table (call_id uuid, kind text, mode text, status text, twilio_call_sid text, last_callback_sequence integer,
               answered_at timestamptz, max_duration_seconds integer, payment_method text)
language sql stable security definer set search_path = '' as $$
  (select c.id, 'stuck', c.mode, c.status, c.twilio_call_sid, c.last_callback_sequence, c.answered_at,
          c.max_duration_seconds, c.payment_method
     from public.calls c
    where c.status in ('created', 'queued', 'initiated', 'ringing', 'in_progress')
      and coalesce(c.dialed_at, c.created_at)
          + pg_catalog.make_interval(secs => (c.max_duration_seconds + p_ring_timeout_seconds)::double precision)
          + p_margin < coalesce(p_now, pg_catalog.now())
    order by c.created_at
    limit p_limit)
  union all
  (select c.id, 'unsettled', c.mode, c.status, c.twilio_call_sid, c.last_callback_sequence, c.answered_at,
          c.max_duration_seconds, c.payment_method
     from public.calls c
    where c.status in ('completed', 'busy', 'no_answer', 'failed', 'canceled')
      and c.payment_status in ('pending', 'reserved', 'authorized')
      and c.ended_at < coalesce(p_now, pg_catalog.now()) - p_grace
    order by c.ended_at
    limit p_limit)
$$;
comment on function private.calls_to_reconcile(timestamptz, interval, integer, interval, integer) is
  'Open calls whose final callback never came, and ended calls still unsettled after the media grace period. Service role only.';
revoke all on function private.calls_to_reconcile(timestamptz, interval, integer, interval, integer) from public, anon, authenticated;
grant execute on function private.calls_to_reconcile(timestamptz, interval, integer, interval, integer) to service_role;

-- Settlement looks for unsettled ended calls by end time.
create index calls_unsettled_idx on public.calls (ended_at)
  where payment_status in ('pending', 'reserved', 'authorized') and status in ('completed', 'busy', 'no_answer', 'failed', 'canceled');

-- Every minute pg_cron pokes the two functions through pg_net, as Supabase's "Scheduling Edge Functions" recipe
-- does: the project URL and the service-role key come from Vault, never from this file. pg_net is fire-and-forget,
-- so the functions record their own outcome in the tables. The dispatcher is only woken when something is due.
create extension if not exists pg_cron;
select cron.schedule(
  'dispatch-scheduled-calls',
  '* * * * *',
  $job$
  select net.http_post(
    url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url')
           || '/functions/v1/dispatch-scheduled-calls',
    headers := pg_catalog.jsonb_build_object(
      'Content-Type', 'application/json',
      'Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')),
    body := pg_catalog.jsonb_build_object('tick', pg_catalog.now()),
    timeout_milliseconds := 5000)
  where exists (select 1 from public.scheduled_calls
                 where status = 'pending' and scheduled_at <= pg_catalog.now() + interval '60 seconds')
  $job$
);
select cron.schedule(
  'calls-reconcile',
  '* * * * *',
  $job$
  select net.http_post(
    url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url')
           || '/functions/v1/calls-reconcile',
    headers := pg_catalog.jsonb_build_object(
      'Content-Type', 'application/json',
      'Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = 'service_role_key')),
    body := pg_catalog.jsonb_build_object('tick', pg_catalog.now()),
    timeout_milliseconds := 5000)
  $job$
);
