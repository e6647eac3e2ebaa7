-- Status callbacks are acknowledged as soon as they are stored: storing is one insert that never waits on a call's
-- row lock, while applying and settling may (a busy call row, a slow database). The status function stores first,
-- then applies within a short budget and otherwise answers Twilio and finishes in the background; an event that is
-- stored but never applied is finished by the reconciler from Twilio's own record of the call.

-- Returns the new event's id, or null when this signed callback was already stored.
create or replace function private.store_twilio_status(
  p_call_sid text, p_call_status text, p_sequence integer, p_duration integer, p_answered_by text, p_params jsonb)
returns bigint
language sql security definer set search_path = '' as $$
  insert into public.twilio_status_events (call_sid, call_status, sequence_number, call_duration, answered_by, params)
  values (p_call_sid, p_call_status, p_sequence, p_duration, p_answered_by, p_params)
  on conflict on constraint twilio_status_events_once do nothing
  returning id
$$;
comment on function private.store_twilio_status(text, text, integer, integer, text, jsonb) is
  'Stores a signed Twilio status callback once; null when it is a duplicate. Service role only.';
revoke all on function private.store_twilio_status(text, text, integer, integer, text, jsonb) from public, anon, authenticated;
grant execute on function private.store_twilio_status(text, text, integer, integer, text, jsonb) to service_role;

-- Applies a stored event (p_event_id) or, for a duplicate (null), only reports; returns what record_twilio_status
-- returns: applied | stale | pending | duplicate, with the call's id and status when the call exists.
create or replace function private.apply_stored_twilio_status(p_event_id bigint, p_call_sid text)
returns table (outcome text, call_id uuid, call_status text)
language plpgsql security definer set search_path = '' as $$
declare
  v_outcome text := 'duplicate';
begin
  if p_event_id is not null then
    v_outcome := coalesce(private.apply_twilio_status_event(p_event_id), 'pending');
  end if;
  return query select v_outcome, c.id, c.status from public.calls c where c.twilio_call_sid = p_call_sid;
  if not found then
    return query select v_outcome, null::uuid, null::text;
  end if;
end;
$$;
comment on function private.apply_stored_twilio_status(bigint, text) is
  'Applies a stored Twilio status callback to its call (forward only). Service role only.';
revoke all on function private.apply_stored_twilio_status(bigint, text) from public, anon, authenticated;
grant execute on function private.apply_stored_twilio_status(bigint, text) to service_role;

-- The reconciler's first step: callbacks stored but not applied (the background work after an early answer died)
-- whose call exists are applied in order. Returns the calls they touched, so the reconciler settles finished ones.
create or replace function private.apply_stored_twilio_events(p_older_than interval default interval '30 seconds')
returns table (call_id uuid)
language plpgsql security definer set search_path = '' as $$
declare
  v_event record;
  v_calls uuid[] := '{}';
begin
  for v_event in
    select e.id, c.id as call_id from public.twilio_status_events e
      join public.calls c on c.twilio_call_sid = e.call_sid
     where e.applied_at is null and e.received_at < pg_catalog.now() - p_older_than
     order by e.call_sid, e.sequence_number
     limit 1000
  loop
    perform private.apply_twilio_status_event(v_event.id);
    if not v_event.call_id = any (v_calls) then
      v_calls := v_calls || v_event.call_id;
    end if;
  end loop;
  return query select unnest(v_calls);
end;
$$;
comment on function private.apply_stored_twilio_events(interval) is
  'Applies stored status callbacks whose call exists but that were never applied. Service role only.';
revoke all on function private.apply_stored_twilio_events(interval) from public, anon, authenticated;
grant execute on function private.apply_stored_twilio_events(interval) to service_role;

-- The one-step entry point (the reconciler's) is now the two steps in a row.
create or replace function private.record_twilio_status(
  p_call_sid text, p_call_status text, p_sequence integer, p_duration integer, p_answered_by text, p_params jsonb)
returns table (outcome text, call_id uuid, call_status text)
language sql security definer set search_path = '' as $$
  select * from private.apply_stored_twilio_status(
    private.store_twilio_status(p_call_sid, p_call_status, p_sequence, p_duration, p_answered_by, p_params), p_call_sid)
$$;
