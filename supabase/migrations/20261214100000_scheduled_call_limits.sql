-- One user cannot crowd out everyone else's scheduled calls.
--
-- Limits on what a user sends through the API (role authenticated; the dispatcher and service code are trusted):
-- at most max_pending_per_user pending occurrences per user, and at most max_rows_per_request rows per insert
-- request. Both live in private.scheduled_call_limits (one row) so an operator can change them with one UPDATE.
-- Ids are the server's: users are no longer granted the id column, so a booking that names its own id is refused
-- (42501) rather than letting a client pick keys. And the dispatcher claims due occurrences round-robin across
-- users, so however many rows one user has due, every other user's call due at the same time is claimed in the
-- first batch and gets one of the first dial seconds.

create table private.scheduled_call_limits (
  id                   boolean primary key default true check (id),
  max_pending_per_user integer not null default 50 check (max_pending_per_user between 1 and 10000),
  max_rows_per_request integer not null default 1 check (max_rows_per_request between 1 and 1000)
);
comment on table private.scheduled_call_limits is
  'Abuse limits on bookings users make through the API (one row): pending occurrences per user, rows per insert '
  'request. Change with UPDATE; service code is not limited.';
comment on column private.scheduled_call_limits.max_pending_per_user is
  'Most pending scheduled calls one user may have; a booking beyond it is refused (too_many_pending_calls).';
comment on column private.scheduled_call_limits.max_rows_per_request is
  'Most scheduled calls one insert request may create (too_many_rows_per_request).';
insert into private.scheduled_call_limits default values;
alter table private.scheduled_call_limits enable row level security;
revoke all on table private.scheduled_call_limits from public, anon, authenticated;

-- The per-user count and the round-robin claim read pending rows by user and time.
create index scheduled_calls_pending_user_idx on public.scheduled_calls (user_id, scheduled_time, id) where status = 'pending';

-- Statement level with the inserted rows as a transition table: the whole request is judged at once, and a refused
-- request writes nothing. Per-user advisory locks make two concurrent requests count each other's rows.
create or replace function private.enforce_scheduled_call_limits()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_limits private.scheduled_call_limits;
  v_rows integer;
  v_user uuid;
  v_pending integer;
begin
  if pg_catalog.current_setting('role', true) is distinct from 'authenticated' then
    return null;
  end if;
  select * into v_limits from private.scheduled_call_limits;
  select pg_catalog.count(*) into v_rows from new_rows;
  if v_rows > v_limits.max_rows_per_request then
    raise exception using errcode = 'P0001', hint = 'too_many_rows_per_request',
      message = pg_catalog.format('too_many_rows_per_request: Book at most %s scheduled call%s per request (this one had %s).',
                                  v_limits.max_rows_per_request,
                                  case when v_limits.max_rows_per_request = 1 then '' else 's' end, v_rows);
  end if;
  for v_user in select distinct n.user_id from new_rows n where n.status = 'pending' order by n.user_id loop
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('scheduled_calls.pending:' || v_user::text));
    select pg_catalog.count(*) into v_pending
      from public.scheduled_calls s where s.user_id = v_user and s.status = 'pending';
    if v_pending > v_limits.max_pending_per_user then
      raise exception using errcode = 'P0001', hint = 'too_many_pending_calls',
        message = pg_catalog.format('too_many_pending_calls: You already have %s upcoming scheduled calls, the most one '
                                    'account may have. Cancel one or wait until one has rung, then book again.',
                                    v_limits.max_pending_per_user);
    end if;
  end loop;
  return null;
end;
$$;
comment on function private.enforce_scheduled_call_limits() is
  'Trigger: refuses a user''s insert request with more than max_rows_per_request rows, or that takes the user past '
  'max_pending_per_user pending scheduled calls (private.scheduled_call_limits).';
revoke all on function private.enforce_scheduled_call_limits() from public, anon, authenticated;

create trigger scheduled_calls_enforce_limits
  after insert on public.scheduled_calls
  referencing new table as new_rows
  for each statement execute function private.enforce_scheduled_call_limits();

-- Server-generated ids only.
revoke insert (id) on table public.scheduled_calls from authenticated;

-- Round-robin claim. Each user's due rows are numbered by time (their turn); the batch takes turn 1 of every user,
-- then turn 2, and so on, and dial seconds are planned in that order. Rows are locked after the batch is chosen
-- (a window function cannot sit beside FOR UPDATE); a row another run holds, or that stopped being pending, is
-- skipped. Everything else (pace, horizon, missed rules) is as before.
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

  select pg_catalog.array_agg(l.id) into v_ids
    from (select s.id from public.scheduled_calls s
           where s.status = 'pending'
             and s.id in (select r.id
                            from (select d.id, d.scheduled_time,
                                         pg_catalog.row_number() over (partition by d.user_id order by d.scheduled_time, d.id) as turn
                                    from public.scheduled_calls d
                                   where d.status = 'pending' and d.scheduled_time <= v_now + p_lookahead
                                     and (p_user_ids is null or d.user_id = any (p_user_ids))) r
                           order by r.turn, r.scheduled_time, r.id
                           limit p_limit)
           for update skip locked) l;
  if v_ids is null then
    return;
  end if;

  -- Runs overlap (each waits for its rows' seconds); they take dial slots one at a time so the pace is global.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('scheduled_calls.dial_pacer'));
  select max(s.dial_at) + v_step into v_next from public.scheduled_calls s
   where s.dial_at > v_now - interval '1 minute' and s.dial_at <= v_now + p_horizon + p_lookahead;
  -- "Call now" dials take their seconds from the same pacer (private.take_dial_slot): plan after the latest one.
  v_next := greatest(v_next, (select p.last_slot + v_step from private.dial_pace p), v_now);

  for v_row in select * from public.scheduled_calls s where s.id = any (v_ids)
                order by pg_catalog.row_number() over (partition by s.user_id order by s.scheduled_time, s.id),
                         s.scheduled_time, s.id loop
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

  return query select * from public.scheduled_calls s where s.id = any (v_done) order by s.dial_at nulls last, s.id;
end;
$$;
comment on function private.claim_due_scheduled_calls(integer, numeric, timestamptz, interval, interval, interval, uuid[]) is
  'Claims due scheduled calls once (FOR UPDATE SKIP LOCKED), round-robin across users so no user''s rows delay '
  'another''s, plans each dial second under a global calls-per-second pace, and marks occurrences that are too late '
  'as missed. Service role only.';
