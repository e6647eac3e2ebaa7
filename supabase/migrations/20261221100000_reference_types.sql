-- One list each of call statuses, end reasons, scheduled-call statuses, services and rate units, as enum types.
-- `npm run db:types` turns these into the TypeScript unions and the `Constants.public.Enums` value arrays that
-- core re-exports, so the database, the edge functions, the relay and the web app share a single list.
--
-- The call and scheduled-call columns take the enum types. Service and unit stay text columns checked against
-- their enum: the pricing and settlement functions pass them around as text parameters, and converting the
-- columns would mean rewriting those functions.

create type public.call_status as enum (
  'created', 'queued', 'initiated', 'ringing', 'in_progress', -- in lifecycle order: private.call_status_rank relies on it
  'completed', 'busy', 'no_answer', 'failed', 'canceled'
);
comment on type public.call_status is
  'Where a call is in its lifecycle. Active statuses in order, then the terminal ones (private.call_status_is_terminal).';

create type public.call_end_reason as enum (
  'user_hung_up', 'persona_hung_up', 'budget_exhausted', 'time_limit', 'silence_timeout', 'no_answer', 'busy',
  'canceled', 'payment_failed', 'provider_error', 'relay_error', 'missed', 'failed'
);
comment on type public.call_end_reason is 'Why a call ended.';

create type public.scheduled_call_status as enum (
  'pending', 'claimed', 'dispatched', 'completed', 'missed', 'failed', 'canceled'
);
comment on type public.scheduled_call_status is
  'Lifecycle of a scheduled occurrence; `missed` means the dispatcher ran too late to ring, so no call was placed.';

create type public.service as enum ('twilio', 'deepgram', 'cerebras', 'openai', 'elevenlabs');
comment on type public.service is 'Providers whose usage is metered and priced.';

create type public.rate_unit as enum ('minute', 'second', 'character', 'token');
comment on type public.rate_unit is 'The unit a provider price is quoted per.';

-- Status sets, decided once, from the enum order: active statuses first, then the terminal ones from `completed`.
-- Constraints, policies, indexes and the status guard ask these. They call no other private function, so a policy
-- or constraint evaluated for a signed-in user (who has no usage on schema private) can use them.
create function private.call_status_is_terminal(p_status public.call_status)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_status >= 'completed'::public.call_status
$$;
comment on function private.call_status_is_terminal(public.call_status) is
  'True for statuses a call never leaves (core TERMINAL_CALL_STATUSES mirrors this; a test compares them).';

create function private.call_status_is_active(p_status public.call_status)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_status < 'completed'::public.call_status
$$;
comment on function private.call_status_is_active(public.call_status) is 'True while a call has not ended.';

-- Ranks follow the enum order; every terminal status shares the top rank, so no ending replaces another.
create function private.call_status_rank(p_status public.call_status)
returns integer
language sql
immutable
set search_path = ''
as $$
  select least(pg_catalog.array_position(pg_catalog.enum_range(null::public.call_status), p_status) - 1,
                          pg_catalog.array_position(pg_catalog.enum_range(null::public.call_status), 'completed') - 1)
$$;
comment on function private.call_status_rank(public.call_status) is
  'Lifecycle rank: created 0 .. in_progress 4, every terminal status 5. A status only moves to a higher rank.';

-- The text form stays for callers holding a status as text (Twilio callbacks mapped by call_status_from_twilio).
create or replace function private.call_status_rank(status text)
returns integer
language sql
immutable
set search_path = ''
as $$
  select private.call_status_rank(status::public.call_status)
$$;

-- Constraints, policies and indexes evaluated for signed-in users call these.
grant execute on function private.call_status_is_terminal(public.call_status),
  private.call_status_is_active(public.call_status) to anon, authenticated, service_role;

-- Views over the converted columns are rebuilt from their own current definitions (with their options, grants
-- and comments), so this migration does not restate them.
create temporary table rebuilt_views on commit drop as
with recursive deps as (
  select distinct v.oid, 1 as depth
    from pg_catalog.pg_depend d
    join pg_catalog.pg_rewrite r on r.oid = d.objid
    join pg_catalog.pg_class v on v.oid = r.ev_class
    join pg_catalog.pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
   where v.oid <> d.refobjid
     and (d.refobjid, a.attname) in (('public.calls'::regclass, 'status'), ('public.calls'::regclass, 'end_reason'),
                                     ('public.calls'::regclass, 'media_end_reason'),
                                     ('public.scheduled_calls'::regclass, 'status'))
  union all
  select v.oid, deps.depth + 1
    from deps
    join pg_catalog.pg_depend d on d.refobjid = deps.oid
    join pg_catalog.pg_rewrite r on r.oid = d.objid
    join pg_catalog.pg_class v on v.oid = r.ev_class
   where v.oid <> deps.oid
)
select c.oid::regclass::text as name, max(deps.depth) as depth, pg_catalog.pg_get_viewdef(c.oid) as def,
       c.reloptions, c.relacl, pg_catalog.obj_description(c.oid, 'pg_class') as comment,
       (select pg_catalog.array_agg(pg_catalog.format('comment on column %s.%I is %L', c.oid::regclass, a.attname,
                                                      pg_catalog.col_description(c.oid, a.attnum)))
          from pg_catalog.pg_attribute a
         where a.attrelid = c.oid and a.attnum > 0 and pg_catalog.col_description(c.oid, a.attnum) is not null)
         as column_comments
  from deps join pg_catalog.pg_class c on c.oid = deps.oid
 group by c.oid;

do $$
declare
  v record;
begin
  for v in select name from rebuilt_views order by depth desc loop
    execute pg_catalog.format('drop view %s', v.name);
  end loop;
end
$$;

-- Policies, constraints and partial indexes that compare these columns with text are recreated after the change.
drop policy "Users can rate their own finished calls" on public.calls;
drop policy "Users can schedule calls for themselves" on public.scheduled_calls;
drop policy "Users can cancel their own pending scheduled calls" on public.scheduled_calls;

alter table public.calls
  drop constraint calls_status_valid,
  drop constraint calls_end_reason_valid,
  drop constraint calls_media_end_reason_valid,
  drop constraint calls_ended_has_time,
  drop constraint calls_end_reason_only_when_ended;
alter table public.scheduled_calls
  drop constraint scheduled_calls_status_valid,
  drop constraint scheduled_calls_canceled_has_time,
  drop constraint scheduled_calls_dispatched_has_call,
  drop constraint scheduled_calls_failure_has_reason;
alter table public.service_rates
  drop constraint service_rates_service_valid,
  drop constraint service_rates_unit_valid;
alter table public.call_cost_events drop constraint call_cost_events_service_valid;

-- `update of status` triggers name the column, so they are dropped and recreated around the change.
drop trigger calls_guard_status on public.calls;
drop trigger scheduled_calls_stamp_cancel on public.scheduled_calls;
drop trigger calls_notify_ended on public.calls;
drop trigger calls_answered_from_duration on public.calls;

drop index public.calls_open_idx;
drop index public.calls_unsettled_idx;
drop index public.scheduled_calls_due_idx;
drop index public.scheduled_calls_in_flight_idx;
drop index public.scheduled_calls_pending_user_idx;

alter table public.calls alter column status drop default;
alter table public.calls
  alter column status type public.call_status using status::public.call_status,
  alter column end_reason type public.call_end_reason using end_reason::public.call_end_reason,
  alter column media_end_reason type public.call_end_reason using media_end_reason::public.call_end_reason;
alter table public.calls alter column status set default 'created';

alter table public.scheduled_calls alter column status drop default;
alter table public.scheduled_calls
  alter column status type public.scheduled_call_status using status::public.scheduled_call_status;
alter table public.scheduled_calls alter column status set default 'pending';

alter table public.calls
  add constraint calls_ended_has_time check (private.call_status_is_active(status) or ended_at is not null),
  add constraint calls_end_reason_only_when_ended check (end_reason is null or private.call_status_is_terminal(status)),
  -- The relay reports only the endings it sees on the media stream.
  add constraint calls_media_end_reason_valid check (media_end_reason in
    ('user_hung_up', 'persona_hung_up', 'budget_exhausted', 'time_limit', 'silence_timeout', 'provider_error',
     'relay_error'));
alter table public.scheduled_calls
  add constraint scheduled_calls_canceled_has_time check ((status = 'canceled') = (canceled_at is not null)),
  add constraint scheduled_calls_dispatched_has_call check (status not in ('dispatched', 'completed') or call_id is not null),
  add constraint scheduled_calls_failure_has_reason check ((status in ('missed', 'failed')) = (failure_reason is not null));

-- A text column checked against the enum: a value outside the list is a check violation, as before.
alter table public.service_rates
  add constraint service_rates_service_valid check (service = any (pg_catalog.enum_range(null::public.service)::text[])),
  add constraint service_rates_unit_valid check (unit = any (pg_catalog.enum_range(null::public.rate_unit)::text[]));
alter table public.call_cost_events
  add constraint call_cost_events_service_valid check (service = any (pg_catalog.enum_range(null::public.service)::text[]));

create index calls_open_idx on public.calls (created_at) where private.call_status_is_active(status);
create index calls_unsettled_idx on public.calls (ended_at)
  where payment_status in ('pending', 'reserved', 'authorized') and private.call_status_is_terminal(status);
create index scheduled_calls_due_idx on public.scheduled_calls (scheduled_time) where status = 'pending';
create index scheduled_calls_in_flight_idx on public.scheduled_calls (claimed_at) where status in ('claimed', 'dispatched');
create index scheduled_calls_pending_user_idx on public.scheduled_calls (user_id, scheduled_time, id) where status = 'pending';

create trigger calls_guard_status before insert or update of status on public.calls
  for each row execute function private.guard_call_status();
create trigger scheduled_calls_stamp_cancel before insert or update of status on public.scheduled_calls
  for each row execute function private.stamp_scheduled_call_cancel();
create trigger calls_notify_ended
  after update of status on public.calls
  for each row
  when (private.call_status_rank(new.status) = 5 and private.call_status_rank(old.status) < 5 and new.media_ended_at is null)
  execute function private.notify_call_ended();
create trigger calls_answered_from_duration
  before update of status, duration_seconds on public.calls
  for each row
  when (private.call_status_rank(new.status) = 5 and new.answered_at is null and coalesce(new.duration_seconds, 0) > 0)
  execute function private.stamp_answered_from_duration();

create policy "Users can rate their own finished calls"
  on public.calls for update to authenticated
  using (user_id = (select auth.uid()) and private.call_status_is_terminal(status))
  with check (user_id = (select auth.uid()));

create policy "Users can schedule calls for themselves"
  on public.scheduled_calls for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and status = 'pending'
    and scheduled_time > now()
    and scheduled_time <= now() + interval '90 days'
    and phone_number_id is not null
    and exists (select 1 from public.personas p where p.id = scheduled_calls.persona_id and p.is_active)
    and (scenario_template_id is null or exists (
      select 1 from public.call_scenario_templates t
       where t.id = scheduled_calls.scenario_template_id and (t.user_id is null or t.user_id = (select auth.uid()))))
  );

create policy "Users can cancel their own pending scheduled calls"
  on public.scheduled_calls for update to authenticated
  using (user_id = (select auth.uid()) and status = 'pending')
  with check (user_id = (select auth.uid()) and status = 'canceled');

do $$
declare
  v record;
  v_grant record;
  v_comment text;
begin
  for v in select * from rebuilt_views order by depth loop
    execute pg_catalog.format('create view %s%s as %s', v.name,
      case when v.reloptions is null then '' else pg_catalog.format(' with (%s)', pg_catalog.array_to_string(v.reloptions, ', ')) end,
      v.def);
    -- Only the grants the view had: default privileges for new relations must not widen them.
    execute pg_catalog.format('revoke all on %s from public', v.name);
    for v_grant in select r.rolname from pg_catalog.pg_roles r where r.rolname in ('anon', 'authenticated', 'service_role') loop
      execute pg_catalog.format('revoke all on %s from %I', v.name, v_grant.rolname);
    end loop;
    for v_grant in select a.grantee, a.privilege_type from pg_catalog.aclexplode(v.relacl) a
                    where a.grantee <> a.grantor loop
      execute pg_catalog.format('grant %s on %s to %s', v_grant.privilege_type, v.name,
        case when v_grant.grantee = 0 then 'public' else v_grant.grantee::regrole::text end);
    end loop;
    if v.comment is not null then
      execute pg_catalog.format('comment on view %s is %L', v.name, v.comment);
    end if;
    foreach v_comment in array coalesce(v.column_comments, '{}') loop
      execute v_comment;
    end loop;
  end loop;
end
$$;

-- The status Twilio reports is stored in the column's type; everything else is unchanged.
create or replace function private.apply_twilio_status_event(p_event_id bigint)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_event public.twilio_status_events;
  v_call  public.calls;
  v_next  public.call_status;
  v_outcome text;
begin
  select * into v_event from public.twilio_status_events where id = p_event_id for update;
  if v_event.applied_at is not null then
    return v_event.outcome;
  end if;
  select * into v_call from public.calls where twilio_call_sid = v_event.call_sid for update;
  if not found then
    return null;
  end if;
  v_next := private.call_status_from_twilio(v_event.call_status);
  if private.call_status_rank(v_call.status) = 5 or private.call_status_rank(v_next) <= private.call_status_rank(v_call.status) then
    v_outcome := 'stale';
    if v_event.sequence_number > coalesce(v_call.last_callback_sequence, -1) then
      update public.calls set last_callback_sequence = v_event.sequence_number where id = v_call.id;
    end if;
  else
    v_outcome := 'applied';
    update public.calls
       set status = v_next,
           last_callback_sequence = greatest(coalesce(last_callback_sequence, -1), v_event.sequence_number),
           duration_seconds = case when private.call_status_rank(v_next) = 5 then coalesce(v_event.call_duration, duration_seconds, 0) else duration_seconds end,
           end_reason = case when private.call_status_rank(v_next) < 5 then end_reason else coalesce(end_reason, case v_next
             when 'busy' then 'busy' when 'no_answer' then 'no_answer' when 'canceled' then 'canceled'
             when 'failed' then 'failed' when 'completed' then coalesce(media_end_reason, 'user_hung_up') else null end) end
     where id = v_call.id
     returning * into v_call;
    if v_next = 'completed' then
      perform private.record_twilio_minutes(v_call);
    end if;
  end if;
  update public.twilio_status_events set applied_at = pg_catalog.now(), outcome = v_outcome where id = p_event_id;
  return v_outcome;
end;
$$;

-- Result columns keep their text type; the status is read from the enum column.
create or replace function private.apply_stored_twilio_status(p_event_id bigint, p_call_sid text)
 RETURNS TABLE(outcome text, call_id uuid, call_status text)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $$
declare
  v_outcome text := 'duplicate';
begin
  if p_event_id is not null then
    v_outcome := coalesce(private.apply_twilio_status_event(p_event_id), 'pending');
  end if;
  return query select v_outcome, c.id, c.status::text from public.calls c where c.twilio_call_sid = p_call_sid;
  if not found then
    return query select v_outcome, null::uuid, null::text;
  end if;
end;
$$;

-- The open and unsettled sets come from the shared status functions, matching calls_open_idx and calls_unsettled_idx.
create or replace function private.calls_to_reconcile(p_now timestamp with time zone DEFAULT NULL::timestamp with time zone, p_margin interval DEFAULT '00:03:00'::interval, p_ring_timeout_seconds integer DEFAULT 25, p_grace interval DEFAULT '00:02:00'::interval, p_limit integer DEFAULT 100)
 RETURNS TABLE(call_id uuid, kind text, mode text, status text, twilio_call_sid text, last_callback_sequence integer, answered_at timestamp with time zone, max_duration_seconds integer, payment_method text)
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO ''
AS $$
  (select c.id, 'stuck', c.mode, c.status::text, c.twilio_call_sid, c.last_callback_sequence, c.answered_at,
          c.max_duration_seconds, c.payment_method
     from public.calls c
    where private.call_status_is_active(c.status)
      and coalesce(c.dialed_at, c.created_at)
          + pg_catalog.make_interval(secs => (c.max_duration_seconds + p_ring_timeout_seconds)::double precision)
          + p_margin < coalesce(p_now, pg_catalog.now())
    order by c.created_at
    limit p_limit)
  union all
  (select c.id, 'unsettled', c.mode, c.status::text, c.twilio_call_sid, c.last_callback_sequence, c.answered_at,
          c.max_duration_seconds, c.payment_method
     from public.calls c
    where private.call_status_is_terminal(c.status)
      and c.payment_status in ('pending', 'reserved', 'authorized')
      and c.ended_at < coalesce(p_now, pg_catalog.now()) - p_grace
    order by c.ended_at
    limit p_limit)
$$;

-- The reason arrives as text from the relay; it is read as an end reason (an unknown one is rejected).
create or replace function private.finish_browser_call(p_call_id uuid, p_end_reason text, p_duration_seconds integer)
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $$
declare
  v_call public.calls;
begin
  select * into v_call from public.calls where id = p_call_id and mode = 'browser' for update;
  if not found then
    return null;
  end if;
  if private.call_status_rank(v_call.status) = 5 then
    return v_call.status;
  end if;
  if p_end_reason is null or p_duration_seconds is null or p_duration_seconds < 0 then
    raise exception 'A browser call ends with a reason and a duration of zero seconds or more.'
      using errcode = 'check_violation';
  end if;
  -- Connected (the stream started): completed for the time it ran. Never connected: cancelled, nothing to charge.
  update public.calls
     set status = case when v_call.answered_at is not null then 'completed'::public.call_status else 'canceled' end,
         duration_seconds = case when v_call.answered_at is not null then least(p_duration_seconds, 14400) else 0 end,
         end_reason = case when v_call.answered_at is not null then coalesce(v_call.media_end_reason, p_end_reason::public.call_end_reason) else 'canceled' end,
         media_ended_at = coalesce(v_call.media_ended_at, pg_catalog.now()),
         media_end_reason = coalesce(v_call.media_end_reason, p_end_reason::public.call_end_reason)
   where id = p_call_id
  returning * into v_call;
  return v_call.status;
end;
$$;
