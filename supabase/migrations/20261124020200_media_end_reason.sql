-- The relay usually knows why a call ended (budget reached, persona said goodbye, silence) before Twilio's final
-- callback arrives. It records that here, and the callback keeps it instead of assuming the caller hung up.
alter table public.calls add column if not exists media_end_reason text;
alter table public.calls add constraint calls_media_end_reason_valid check (media_end_reason in
  ('user_hung_up', 'persona_hung_up', 'budget_exhausted', 'time_limit', 'silence_timeout', 'provider_error', 'relay_error'));
comment on column public.calls.media_end_reason is
  'Why the media relay ended the conversation; becomes end_reason when the call''s final status arrives.';

create or replace function private.apply_twilio_status_event(p_event_id bigint)
returns text language plpgsql security definer set search_path = '' as $$
declare
  v_event public.twilio_status_events;
  v_call  public.calls;
  v_next  text;
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
revoke all on function private.apply_twilio_status_event(bigint) from public, anon, authenticated;
