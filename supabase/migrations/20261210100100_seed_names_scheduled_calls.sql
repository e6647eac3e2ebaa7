-- The owner's schema names the due instant scheduled_calls.scheduled_time and keeps the number to ring in
-- scheduled_calls.phone_number. scheduled_at is renamed (indexes, the series key and the insert policy follow the
-- column); phone_number is added as a copy of the verified number the booking points at, as calls.phone_number is:
-- the booking still names the number it was made for after the user removes it. The functions and the pg_cron job
-- that name the column in their text are re-created with the seed's name.

alter table public.scheduled_calls rename column scheduled_at to scheduled_time;
comment on column public.scheduled_calls.scheduled_time is 'The instant this occurrence is due (UTC).';

alter table public.scheduled_calls add column phone_number text;
alter table public.scheduled_calls
  add constraint scheduled_calls_phone_number_e164 check (phone_number ~ '^\+[1-9][0-9]{6,14}$');
comment on column public.scheduled_calls.phone_number is
  'E.164 number to ring, copied from phone_number_id by a trigger; kept when the user removes the number.';

-- Users name the number by phone_number_id only (phone_number is not granted to them), so the copy cannot differ
-- from the verified number. Security definer: the dispatcher and the owner both write rows, and the lookup must
-- see the number whoever writes.
create or replace function private.copy_scheduled_call_phone_number()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.phone_number_id is not null then
    select n.phone_number into new.phone_number
      from public.user_phone_numbers n
     where n.id = new.phone_number_id and n.user_id = new.user_id;
  end if;
  return new;
end;
$$;
comment on function private.copy_scheduled_call_phone_number() is
  'Trigger: scheduled_calls.phone_number is the E.164 number of phone_number_id (kept when the number is removed).';
revoke all on function private.copy_scheduled_call_phone_number() from public, anon, authenticated;

create trigger scheduled_calls_copy_phone_number
  before insert or update of phone_number_id on public.scheduled_calls
  for each row execute function private.copy_scheduled_call_phone_number();

update public.scheduled_calls s
   set phone_number = n.phone_number
  from public.user_phone_numbers n
 where n.id = s.phone_number_id and n.user_id = s.user_id;

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

  select pg_catalog.array_agg(d.id order by d.scheduled_time, d.id) into v_ids
    from (select s.id, s.scheduled_time from public.scheduled_calls s
           where s.status = 'pending' and s.scheduled_time <= v_now + p_lookahead
             and (p_user_ids is null or s.user_id = any (p_user_ids))
           order by s.scheduled_time, s.id
           limit p_limit
           for update skip locked) d;
  if v_ids is null then
    return;
  end if;

  -- Runs overlap (each waits for its rows' seconds); they take dial slots one at a time so the pace is global.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('scheduled_calls.dial_pacer'));
  select max(s.dial_at) + v_step into v_next from public.scheduled_calls s
   where s.dial_at > v_now - interval '1 minute' and s.dial_at <= v_now + p_horizon + p_lookahead;
  -- "Call now" dials take their seconds from the same pacer (private.take_dial_slot): plan after the latest one.
  v_next := greatest(v_next, (select p.last_slot + v_step from private.dial_pace p), v_now);

  for v_row in select * from public.scheduled_calls s where s.id = any (v_ids) order by s.scheduled_time, s.id loop
    v_due := pg_catalog.to_char(v_row.scheduled_time at time zone v_row.timezone, 'HH24:MI');
    v_slot := greatest(v_next, v_row.scheduled_time);
    if v_row.scheduled_time < v_now - p_missed_after then
      update public.scheduled_calls s
         set status = 'missed', claimed_at = v_now, attempts = s.attempts + 1,
             failure_reason = pg_catalog.format(
               'This call was due at %s (%s), but our scheduler could not place it until %s, so it was skipped '
               'rather than ringing you late.', v_due, v_row.timezone,
               pg_catalog.to_char(v_now at time zone v_row.timezone, 'HH24:MI'))
       where s.id = v_row.id;
    elsif v_slot - v_row.scheduled_time > p_missed_after then
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

  return query select * from public.scheduled_calls s where s.id = any (v_done) order by s.scheduled_time, s.id;
end;
$$;
comment on function private.claim_due_scheduled_calls(integer, numeric, timestamptz, interval, interval, interval, uuid[]) is
  'Claims due scheduled calls once (FOR UPDATE SKIP LOCKED), plans each dial second under a global calls-per-second '
  'pace, and marks occurrences that are too late as missed. Service role only.';

create or replace function private.schedule_next_occurrence(p_previous_id uuid, p_next_at timestamptz)
returns uuid
language plpgsql security definer set search_path = '' as $$
declare
  v_id uuid;
begin
  insert into public.scheduled_calls (user_id, series_id, previous_id, persona_id, scenario_template_id, phone_number_id,
                                      custom_instructions, max_duration_seconds, scheduled_time, timezone, local_time,
                                      recurrence)
  select s.user_id, s.series_id, s.id, s.persona_id, s.scenario_template_id, s.phone_number_id, s.custom_instructions,
         s.max_duration_seconds, p_next_at, s.timezone, s.local_time, s.recurrence
    from public.scheduled_calls s
   where s.id = p_previous_id and s.recurrence <> 'none' and p_next_at > s.scheduled_time
  on conflict do nothing
  returning id into v_id;
  return v_id;
end;
$$;

-- cron.schedule replaces a job of the same name. The dispatcher is still only woken when something is due.
select cron.schedule(
  'dispatch-scheduled-calls',
  '* * * * *',
  $job$
  select net.http_post(
    url := private.cron_secret('project_url') || '/functions/v1/dispatch-scheduled-calls',
    headers := pg_catalog.jsonb_build_object(
      'Content-Type', 'application/json',
      'apikey', private.cron_secret('cron_key')),
    body := pg_catalog.jsonb_build_object('tick', pg_catalog.now()),
    timeout_milliseconds := 5000)
  where exists (select 1 from public.scheduled_calls
                 where status = 'pending' and scheduled_time <= pg_catalog.now() + interval '60 seconds')
  $job$
);
