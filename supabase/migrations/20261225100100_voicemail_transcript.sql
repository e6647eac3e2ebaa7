-- The message the persona leaves on a voicemail is spoken by Twilio (<Say>), not by the relay, so nothing put it in
-- the transcript: the call page said "Nothing was said on this call." It is kept as the persona's last line, at a
-- sequence number past any the relay writes, once however often the verdict is retried.
create or replace function private.record_voicemail_message(p_call_id uuid, p_text text)
returns void
language sql security definer set search_path = '' as $$
  insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text)
  select c.id, c.user_id, 1000000, 'persona', p_text from public.calls c where c.id = p_call_id
  on conflict (call_id, seq) do nothing
$$;
comment on function private.record_voicemail_message(uuid, text) is
  'Keeps the message left on a voicemail as the persona''s last transcript line (seq 1000000), once. Service role only.';
revoke all on function private.record_voicemail_message(uuid, text) from public, anon, authenticated;
grant execute on function private.record_voicemail_message(uuid, text) to service_role;
