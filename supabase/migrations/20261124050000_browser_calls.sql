-- Browser calls (the demo softphone) have no Twilio status callbacks, so the media relay drives their status: in
-- progress when the stream starts, completed with the measured duration and the end reason when it ends, then
-- settled by private.settle_finished_call like any other call. Both steps are idempotent and refuse phone calls,
-- whose status belongs to Twilio's callbacks.

create or replace function private.start_browser_call(p_call_id uuid)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_status text;
begin
  update public.calls
     set status = 'in_progress', dialed_at = coalesce(dialed_at, pg_catalog.now())
   where id = p_call_id and mode = 'browser' and private.call_status_rank(status) < 4
  returning status into v_status;
  if v_status is null then
    select c.status into v_status from public.calls c where c.id = p_call_id and c.mode = 'browser';
  end if;
  return v_status;
end;
$$;
comment on function private.start_browser_call(uuid) is
  'A browser call''s audio stream has started: moves it to in_progress (answered_at is stamped by the status '
  'guard). Returns the call''s status afterwards (in_progress, or the terminal status it already had); null for '
  'an unknown or phone call. Idempotent. Service role only.';

create or replace function private.finish_browser_call(p_call_id uuid, p_end_reason text, p_duration_seconds integer)
returns text
language plpgsql
security definer
set search_path = ''
as $$
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
     set status = case when v_call.answered_at is not null then 'completed' else 'canceled' end,
         duration_seconds = case when v_call.answered_at is not null then least(p_duration_seconds, 14400) else 0 end,
         end_reason = case when v_call.answered_at is not null then coalesce(v_call.media_end_reason, p_end_reason) else 'canceled' end,
         media_ended_at = coalesce(v_call.media_ended_at, pg_catalog.now()),
         media_end_reason = coalesce(v_call.media_end_reason, p_end_reason)
   where id = p_call_id
  returning * into v_call;
  return v_call.status;
end;
$$;
comment on function private.finish_browser_call(uuid, text, integer) is
  'A browser call''s audio stream has ended: completed with the measured duration and end reason (canceled when '
  'it never connected). Returns the final status; a call that already ended is left as it is; null for an '
  'unknown or phone call. Settlement is a separate, idempotent step (settle_finished_call). Service role only.';

revoke all on function private.start_browser_call(uuid) from public, anon, authenticated;
revoke all on function private.finish_browser_call(uuid, text, integer) from public, anon, authenticated;
grant execute on function private.start_browser_call(uuid) to service_role;
grant execute on function private.finish_browser_call(uuid, text, integer) to service_role;
