-- A call ends for money when its media ends, not when its status does.
--
-- 1. Told at once. A call reaching a final status (cancelled from the app, hung up, failed, completed) while its media
--    has not ended notifies channel call_ended with the call's id; every relay LISTENs on it (PgCallStore) and ends
--    that call's session, so cancel and hang-up stop the persona within a second whoever carries the call. Every
--    relay hears every notification; the one holding the call ends it, the others ignore it.
-- 2. Connected is decided from everything that shows it, not only the in-progress callback (Twilio neither orders
--    nor retries status callbacks): answered_at, Twilio's CallDuration on the final callback, or usage the relay
--    recorded for the call. A final status with a duration and no answer before it stamps answered_at from it, and
--    settlement stamps it for a call connected by its usage alone, so the card settlement sees it connected too.
-- 3. Settlement charges everything recorded until the media ended (capped by the hold) and never settles or releases
--    while the media may still run: it waits for media_ended_at, or until no sign of media (the call's end, its
--    latest usage) is newer than the grace period, for a relay that died without reporting.
-- 4. The one-active-call rule counts a finished call whose media still runs (private.call_media_live).

-- Whether a call ever carried a conversation: what it is charged for.
create or replace function private.call_connected(p_call public.calls)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select p_call.answered_at is not null
      or coalesce(p_call.duration_seconds, 0) > 0
      or exists (select 1 from public.call_cost_events e where e.call_id = p_call.id and e.service <> 'twilio')
$$;
comment on function private.call_connected(public.calls) is
  'A call connected: answered (in-progress seen), Twilio reported a duration, or the relay recorded usage for it. '
  'Independent of the order status callbacks arrive in. Service role only.';

-- Whether a call's media may still be running: it connected, the relay has not reported its media over, and the
-- call's end or its latest usage is within p_grace (after that the relay is presumed gone).
create or replace function private.call_media_live(p_call public.calls, p_grace interval default interval '2 minutes')
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select p_call.media_ended_at is null
     and private.call_connected(p_call)
     and greatest(coalesce(p_call.ended_at, pg_catalog.now()),
                  (select max(e.created_at) from public.call_cost_events e where e.call_id = p_call.id))
         > pg_catalog.now() - p_grace
$$;
comment on function private.call_media_live(public.calls, interval) is
  'A connected call whose media the relay has not reported over, with its end or latest usage within p_grace: '
  'settlement waits and the call still counts as the user''s active call. Service role only.';

-- Tells the relays that a call ended while its media may still run (channel call_ended, payload the call id).
create or replace function private.notify_call_ended()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pg_catalog.pg_notify('call_ended', new.id::text);
  return null;
end;
$$;
comment on function private.notify_call_ended() is
  'Trigger: a call reached a final status before its media ended; NOTIFY call_ended with its id, which every relay '
  'listens on to end the call''s media.';
drop trigger if exists calls_notify_ended on public.calls;
create trigger calls_notify_ended
  after update of status on public.calls
  for each row
  when (private.call_status_rank(new.status) = 5 and private.call_status_rank(old.status) < 5 and new.media_ended_at is null)
  execute function private.notify_call_ended();

-- A call Twilio reports finished with a duration connected, whether or not its in-progress callback came first (it
-- may come later, or never): answered_at is stamped from CallDuration when the final status is written.
create or replace function private.stamp_answered_from_duration()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.answered_at := greatest(new.created_at,
    coalesce(new.ended_at, pg_catalog.now()) - pg_catalog.make_interval(secs => new.duration_seconds));
  return new;
end;
$$;
comment on function private.stamp_answered_from_duration() is
  'Trigger: a call reaching a final status with a duration but no answered_at was answered duration seconds before it ended.';
drop trigger if exists calls_answered_from_duration on public.calls;
create trigger calls_answered_from_duration
  before update of status, duration_seconds on public.calls
  for each row
  when (private.call_status_rank(new.status) = 5 and new.answered_at is null and coalesce(new.duration_seconds, 0) > 0)
  execute function private.stamp_answered_from_duration();

-- Settlement (see 20261211100200_settlement.sql): connected by private.call_connected, and waits while the media
-- may still run (private.call_media_live) instead of only for a grace after the status ended.
create or replace function private.settle_finished_call(p_call_id uuid, p_grace interval default interval '2 minutes')
returns text language plpgsql security definer set search_path = '' as $$
declare
  v_call public.calls;
  v_connected boolean;
begin
  select * into v_call from public.calls where id = p_call_id for update;
  if not found then
    return 'unknown_call';
  end if;
  if private.call_status_rank(v_call.status) < 5 then
    return 'not_finished';
  end if;
  if v_call.payment_status in ('settled', 'released', 'failed') then
    return 'already_' || v_call.payment_status;
  end if;
  v_connected := private.call_connected(v_call);
  if v_connected and private.call_media_live(v_call, p_grace) then
    return 'waiting_for_media';
  end if;
  if v_connected then
    -- Connected by its usage alone (no answer or duration on record): answered when its usage began, so every later
    -- step (the card settlement) sees a connected call.
    if v_call.answered_at is null then
      update public.calls c
         set answered_at = least(c.ended_at, (select min(e.created_at) from public.call_cost_events e where e.call_id = c.id))
       where c.id = p_call_id
      returning * into v_call;
    end if;
    perform private.record_twilio_minutes(v_call);
  end if;

  if v_call.payment_method = 'credits' and v_call.payment_status = 'reserved' then
    if v_connected then
      perform private.close_reservation(p_call_id, private.call_charge_cents(p_call_id), false, 'settle:' || p_call_id);
      return 'settled';
    end if;
    perform private.release_call(p_call_id, 'release:' || p_call_id);
    return 'released';
  end if;
  if v_call.payment_method = 'demo' then
    perform private.set_payment_status(p_call_id, array['pending'], case when v_connected then 'settled' else 'released' end,
      p_actual_cost_cents => case when v_connected then private.call_charge_cents(p_call_id)::integer else 0 end);
    return case when v_connected then 'settled' else 'released' end;
  end if;
  return 'card_capture_required';
end;
$$;
comment on function private.settle_finished_call(uuid, interval) is
  'Settles a finished call exactly once whoever asks (relay, status callback, reconciler, cancel): charges all usage '
  'recorded until its media ended (at most the hold) once the relay reported the media over, or once nothing of the '
  'call is newer than p_grace. Connected per private.call_connected. Service role only.';

revoke all on function private.call_connected(public.calls) from public, anon, authenticated;
revoke all on function private.call_media_live(public.calls, interval) from public, anon, authenticated;
revoke all on function private.notify_call_ended() from public, anon, authenticated;
revoke all on function private.stamp_answered_from_duration() from public, anon, authenticated;
grant execute on function private.call_connected(public.calls) to service_role;
grant execute on function private.call_media_live(public.calls, interval) to service_role;
