-- One calls-per-second pace for every dial. Scheduled calls already plan their dial second in
-- claim_due_scheduled_calls; "call now" takes its second here, from the same pacer under the same advisory lock, so
-- a burst of call-now clicks and a minute's scheduled calls together never dial faster than the pace. A call-now dial
-- fits in the first free second (no planned dial closer than one step), and the dispatcher plans after the latest
-- call-now second. Twilio queues calls above an account's CPS; pacing here keeps that queue (and ring delays) short.

create table private.dial_pace (
  id        boolean primary key default true check (id),
  last_slot timestamptz not null default '-infinity'
);
comment on table private.dial_pace is 'The latest dial second taken by a call-now dial (one row).';
insert into private.dial_pace default values;
alter table private.dial_pace enable row level security;
revoke all on table private.dial_pace from public, anon, authenticated;

-- Takes the first free dial second at or after now, or nothing when none is free within p_max_wait. Returns the
-- second and how long to wait for it.
create or replace function private.take_dial_slot(
  p_calls_per_second numeric,
  p_max_wait interval default interval '10 seconds',
  p_now timestamptz default null)
returns table (slot timestamptz, wait_ms integer)
language plpgsql security definer set search_path = '' as $$
declare
  v_now timestamptz := coalesce(p_now, pg_catalog.now());
  v_step interval;
  v_from timestamptz;
  v_slot timestamptz;
begin
  if p_calls_per_second is null or p_calls_per_second <= 0 or p_calls_per_second > 1000 then
    raise exception 'take_dial_slot: p_calls_per_second must be above 0 and at most 1000, got %', p_calls_per_second
      using errcode = '22023';
  end if;
  v_step := pg_catalog.make_interval(secs => (1 / p_calls_per_second)::double precision);
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('scheduled_calls.dial_pacer'));
  select greatest(v_now, p.last_slot + v_step) into v_from from private.dial_pace p;
  with planned as (
    select s.dial_at as at from public.scheduled_calls s
     where s.dial_at > v_from - v_step and s.dial_at < v_from + p_max_wait + v_step
  ), candidates as (
    select v_from as c
    union all
    select at + v_step from planned where at + v_step >= v_from
  )
  select min(c) into v_slot from candidates
   where c <= v_now + p_max_wait
     and not exists (select 1 from planned where planned.at > c - v_step and planned.at < c + v_step);
  if v_slot is null then
    return;
  end if;
  update private.dial_pace set last_slot = greatest(last_slot, v_slot);
  return query select v_slot, greatest(0, ceil(extract(epoch from v_slot - v_now) * 1000))::integer;
end;
$$;
comment on function private.take_dial_slot(numeric, interval, timestamptz) is
  'Takes the next free dial second under the global calls-per-second pace for a call-now dial. Service role only.';
revoke all on function private.take_dial_slot(numeric, interval, timestamptz) from public, anon, authenticated;
grant execute on function private.take_dial_slot(numeric, interval, timestamptz) to service_role;

-- The scheduled-call claim, unchanged but for planning after the latest call-now second.
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
  -- "Call now" dials take their seconds from the same pacer (private.take_dial_slot): plan after the latest one.
  v_next := greatest(v_next, (select p.last_slot + v_step from private.dial_pace p), v_now);

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

