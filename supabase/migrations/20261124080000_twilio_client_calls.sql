-- Browser calls through Twilio's Voice SDK. Such a call is a browser-mode call that Twilio carries: the TwiML App's
-- Voice URL (twilio-browser-twiml) binds its CallSid and connects it to the media relay, and Twilio's status
-- callback completes it like a phone call. Twilio bills its leg as a Voice SDK (client) leg, not as an outbound call
-- to a phone number, plus Media Streams; the demo softphone's browser calls never reach Twilio and have no Twilio
-- minutes.

-- The client leg's price. The key deliberately does not start with "voice": estimates take any Twilio "voice*" key
-- as the phone call's leg, and this price must not stand in for it.
insert into public.service_rates (service, rate_key, unit, unit_price_usd, markup_percent, effective_from, source_url, notes)
select 'twilio', 'client_voice_sdk', 'minute', 0.004000000000, 30, '2026-11-01T00:00:00Z',
       'https://www.twilio.com/en-us/voice/pricing/us',
       'Voice SDK (browser/app client) call leg, $0.0040/min, billed per started minute; Media Streams is added on top. '
       'Price as listed 2026-11.'
 where not exists (select 1 from public.service_rates r where r.service = 'twilio' and r.rate_key = 'client_voice_sdk');

-- Provider cost of Twilio minutes for a finished call: its leg (outbound to a phone, or a Voice SDK client) and
-- Media Streams, each per started minute. Same events and idempotency keys as before for phone calls.
create or replace function private.record_twilio_minutes(p_call public.calls)
returns void language plpgsql security definer set search_path = '' as $$
declare
  v_rate public.service_rates;
  v_minutes integer := pg_catalog.ceil(coalesce(p_call.duration_seconds, 0) / 60.0);
  v_leg text := case
    when p_call.mode = 'phone' then 'voice_outbound_us'
    when p_call.mode = 'browser' and p_call.twilio_call_sid is not null then 'client_voice_sdk'
  end;
begin
  if v_leg is null or v_minutes = 0 then
    return;
  end if;
  for v_rate in
    select * from public.service_rates r
     where r.service = 'twilio' and r.rate_key in (v_leg, 'media_streams')
       and r.effective_from <= coalesce(p_call.answered_at, p_call.created_at)
       and (r.effective_to is null or r.effective_to > coalesce(p_call.answered_at, p_call.created_at))
  loop
    insert into public.call_cost_events (call_id, user_id, service, event_type, model, seconds, rate_id, cost_usd, idempotency_key)
    values (p_call.id, p_call.user_id, 'twilio',
            case when v_rate.rate_key = 'media_streams' then 'media_stream_minutes' else 'voice_minutes' end,
            v_rate.rate_key, p_call.duration_seconds, v_rate.id, v_minutes * v_rate.unit_price_usd,
            p_call.id || ':twilio:' || v_rate.rate_key)
    on conflict (idempotency_key) do nothing;
  end loop;
end;
$$;
comment on function private.record_twilio_minutes(public.calls) is
  'Records a finished call''s Twilio minutes as cost events, once: voice_outbound_us for a phone call, '
  'client_voice_sdk for a browser call Twilio carried (it has a CallSid), plus media_streams; none for the demo '
  'softphone. Internal to status callbacks and settlement.';
revoke all on function private.record_twilio_minutes(public.calls) from public, anon, authenticated;
