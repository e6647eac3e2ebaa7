-- Answering-machine detection. Calls are placed with Twilio's asynchronous detection: the conversation starts at
-- once and Twilio's verdict arrives later at the twilio-amd function. The verdict is kept on the call (history says
-- when a voicemail answered) and recorded once, so a retried or replayed callback cannot act twice.

alter table public.calls add column answered_by text;
alter table public.calls add constraint calls_answered_by_valid check (
  answered_by in ('human', 'machine_start', 'machine_end_beep', 'machine_end_silence', 'machine_end_other', 'fax', 'unknown')
);
comment on column public.calls.answered_by is
  'Twilio''s answering-machine verdict (AnsweredBy): human, machine_*, fax or unknown; null until it arrives.';

-- Returns recorded (first verdict, with the call's status), duplicate (a verdict was already kept) or unknown_call
-- (no call with this id and CallSid: another call's verdict cannot be pinned on it).
create or replace function private.record_answered_by(p_call_id uuid, p_call_sid text, p_answered_by text)
returns table (outcome text, call_status text)
language plpgsql security definer set search_path = '' as $$
declare
  v_status text;
begin
  update public.calls set answered_by = p_answered_by
   where id = p_call_id and twilio_call_sid = p_call_sid and answered_by is null
  returning status into v_status;
  if v_status is not null then
    return query select 'recorded'::text, v_status;
    return;
  end if;
  select c.status into v_status from public.calls c where c.id = p_call_id and c.twilio_call_sid = p_call_sid;
  return query select case when v_status is null then 'unknown_call' else 'duplicate' end, v_status;
end;
$$;
comment on function private.record_answered_by(uuid, text, text) is
  'Keeps Twilio''s first answering-machine verdict for a call whose id and CallSid match. Service role only.';
revoke all on function private.record_answered_by(uuid, text, text) from public, anon, authenticated;
grant execute on function private.record_answered_by(uuid, text, text) to service_role;
