-- One pricing of provider usage, in SQL. The relay reports quantities only (seconds of audio, tokens, characters)
-- through private.record_usage; the status callback records Twilio's minutes through private.record_twilio_minutes;
-- both price with private.price_usage, which takes the rate in force from service_rates. The markup is applied by
-- one function, private.billed_cents, which the cost-event trigger uses for every event whoever writes it.
--
-- Rounding, in order:
--   1. Seconds are metered to the millisecond; Twilio's voice and Media Streams seconds are billed per started
--      minute (61 s is billed as 120 s), as Twilio bills them.
--   2. cost_usd = billed quantity / the rate's unit (minute = 60 s, second, character, token) x unit_price_usd,
--      rounded UP to 10 decimal places (call_cost_events.cost_usd's precision), so what is stored is what is billed.
--   3. calculated_cost_cents = cost_usd x 100 x (1 + markup_percent / 100), exact (sub-cent precision).
--   4. A call is charged the sum of its events' calculated_cost_cents rounded UP to a whole cent once (per call,
--      never per event), and never more than its hold (settlement) or its cut-off point (the relay).

-- What a service_rates row prices, from its service and key: the meter a usage report names.
create or replace function private.usage_of_rate(p_service text, p_rate_key text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when p_service = 'twilio' then case
      when p_rate_key = 'media_streams' then 'media_stream_seconds'
      when p_rate_key like 'voice%' or p_rate_key like 'client%' then 'call_seconds'
    end
    when p_service = 'deepgram' then 'stt_seconds'
    when p_service = 'elevenlabs' then 'tts_characters'
    when p_service in ('cerebras', 'openai') and p_rate_key like '%\_input' then 'llm_input_tokens'
    when p_service in ('cerebras', 'openai') and p_rate_key like '%\_output' then 'llm_output_tokens'
  end
$$;
comment on function private.usage_of_rate(text, text) is
  'The meter a service_rates row prices (call_seconds, media_stream_seconds, stt_seconds, llm_input_tokens, '
  'llm_output_tokens, tts_characters), from its service and rate_key; null for a row no meter uses.';

-- The rate in force at p_at for a service's meter. A rate whose key is the model (or starts with it) wins; otherwise
-- the service's rate for that meter with the first key, so the choice is the same every time.
create or replace function private.current_rate(p_service text, p_usage text, p_model text, p_at timestamptz)
returns public.service_rates
language sql
stable
set search_path = ''
as $$
  select r.* from public.service_rates r
   where r.service = p_service and private.usage_of_rate(r.service, r.rate_key) = p_usage
     and r.effective_from <= p_at and (r.effective_to is null or r.effective_to > p_at)
   order by (r.rate_key = p_model) desc nulls last,
            (p_model is not null and r.rate_key like replace(replace(p_model, '\', '\\'), '%', '\%') || '%') desc,
            r.rate_key
   limit 1
$$;
comment on function private.current_rate(text, text, text, timestamptz) is
  'The service_rates row pricing a service''s meter at an instant (the model''s own row first); null when none is in force.';

-- The markup, applied here and nowhere else.
create or replace function private.billed_cents(p_cost_usd numeric, p_markup_percent numeric)
returns numeric
language sql
immutable
parallel safe
set search_path = ''
as $$
  select p_cost_usd * 100 * (100 + coalesce(p_markup_percent, 0)) / 100
$$;
comment on function private.billed_cents(numeric, numeric) is
  'What a provider cost in US dollars is billed, in US cents with sub-cent precision: cost x 100 x (1 + markup/100).';

-- Prices one usage report: the rate in force at p_at, the quantity the provider bills, the cost and the charge.
-- Without a rate in force the usage is unpriced (rate_id null, cost 0), so the caller can record and report it.
create or replace function private.price_usage(
  p_service text, p_usage text, p_quantity numeric, p_model text default null, p_at timestamptz default pg_catalog.now())
returns table (rate_id uuid, rate_key text, billed_quantity numeric, cost_usd numeric, charge_cents numeric)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_rate   public.service_rates;
  v_billed numeric;
  v_unit   numeric;
  v_cost   numeric;
begin
  if p_quantity is null or p_quantity < 0 then
    perform private.money_error('quantity_invalid', format('A usage quantity must be zero or more, not %s.', coalesce(p_quantity::text, 'nothing')));
  end if;
  if p_usage is null or p_usage not in
     ('call_seconds', 'media_stream_seconds', 'stt_seconds', 'llm_input_tokens', 'llm_output_tokens', 'tts_characters') then
    perform private.money_error('usage_unknown', format('Unknown usage %s.', coalesce(p_usage, 'nothing')));
  end if;
  v_billed := case
    when p_usage in ('call_seconds', 'media_stream_seconds') then pg_catalog.ceil(pg_catalog.round(p_quantity, 3) / 60) * 60
    when p_usage = 'stt_seconds' then pg_catalog.round(p_quantity, 3)
    else pg_catalog.ceil(p_quantity)
  end;
  v_rate := private.current_rate(p_service, p_usage, p_model, coalesce(p_at, pg_catalog.now()));
  if v_rate.id is null then
    return query select null::uuid, null::text, v_billed, 0::numeric, 0::numeric;
    return;
  end if;
  v_unit := case v_rate.unit when 'minute' then 60 else 1 end;
  v_cost := pg_catalog.ceil(v_billed * v_rate.unit_price_usd / v_unit * 1e10) / 1e10;
  return query select v_rate.id, v_rate.rate_key, v_billed, v_cost, private.billed_cents(v_cost, v_rate.markup_percent);
end;
$$;
comment on function private.price_usage(text, text, numeric, text, timestamptz) is
  'Prices a usage quantity with the rate in force at p_at: billed quantity (Twilio per started minute), provider '
  'cost in USD (rounded up to 1e-10) and the charge in cents with markup (sub-cent). The one pricing of usage.';

-- Every cost event is billed by the same markup, whoever records it.
create or replace function private.link_and_price_cost_event()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.call_cost_breakdowns (call_id, user_id)
  select new.call_id, new.user_id
   where exists (select 1 from public.calls c where c.id = new.call_id and c.user_id = new.user_id)
  on conflict (call_id) do nothing;
  select b.id into new.call_cost_breakdown_id
    from public.call_cost_breakdowns b
   where b.call_id = new.call_id and b.user_id = new.user_id;
  new.calculated_cost_cents := private.billed_cents(new.cost_usd,
    (select r.markup_percent from public.service_rates r where r.id = new.rate_id));
  return new;
end;
$$;

-- The event row a usage report becomes. Twilio's meters are recorded by record_twilio_minutes only.
create or replace function private.cost_event_type(p_usage text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case p_usage
    when 'call_seconds' then 'voice_minutes'
    when 'media_stream_seconds' then 'media_stream_minutes'
    when 'stt_seconds' then 'stt_audio'
    when 'tts_characters' then 'tts_characters'
    when 'llm_input_tokens' then 'llm_completion'
    when 'llm_output_tokens' then 'llm_completion'
  end
$$;

-- The Twilio legs a call pays for: the voice leg (a phone line, or the Voice SDK's client leg) and Media Streams.
-- A softphone browser call has no Twilio at all.
create or replace function private.call_line_legs(p_mode text, p_via_twilio boolean)
returns text[]
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when p_mode = 'phone' then array['voice_outbound_us', 'media_streams']
    when p_mode = 'browser' and p_via_twilio then array['client_voice_sdk', 'media_streams']
    else array[]::text[]
  end
$$;

-- The line's charge for a call of p_seconds at p_at, in cents (sub-cent), not recorded: the relay's running charge
-- counts the line before Twilio reports its minutes.
create or replace function private.line_charge_cents(p_legs text[], p_seconds numeric, p_at timestamptz)
returns numeric
language sql
stable
set search_path = ''
as $$
  select coalesce(sum(p.charge_cents), 0)
    from unnest(p_legs) leg,
         lateral private.price_usage('twilio', case when leg = 'media_streams' then 'media_stream_seconds' else 'call_seconds' end,
                                     greatest(coalesce(p_seconds, 0), 0), leg, p_at) p
   where coalesce(p_seconds, 0) > 0
$$;

-- Provider cost of Twilio minutes for a finished call, from Twilio's own duration, priced like every other usage.
create or replace function private.record_twilio_minutes(p_call public.calls)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_leg   text;
  v_usage text;
  v_price record;
begin
  if coalesce(p_call.duration_seconds, 0) = 0 then
    return;
  end if;
  foreach v_leg in array private.call_line_legs(p_call.mode, p_call.twilio_call_sid is not null) loop
    v_usage := case when v_leg = 'media_streams' then 'media_stream_seconds' else 'call_seconds' end;
    select * into v_price
      from private.price_usage('twilio', v_usage, p_call.duration_seconds, v_leg, coalesce(p_call.answered_at, p_call.created_at));
    -- Only the leg's own rate: a call is never billed another leg's price.
    if v_price.rate_id is null or v_price.rate_key <> v_leg then
      continue;
    end if;
    insert into public.call_cost_events (call_id, user_id, service, event_type, model, duration_seconds, rate_id, cost_usd, idempotency_key)
    values (p_call.id, p_call.user_id, 'twilio', private.cost_event_type(v_usage), v_leg, p_call.duration_seconds,
            v_price.rate_id, v_price.cost_usd, p_call.id || ':twilio:' || v_leg)
    on conflict (idempotency_key) do nothing;
  end loop;
end;
$$;
revoke all on function private.record_twilio_minutes(public.calls) from public, anon, authenticated;

revoke all on function private.usage_of_rate(text, text) from public, anon, authenticated;
revoke all on function private.current_rate(text, text, text, timestamptz) from public, anon, authenticated;
revoke all on function private.billed_cents(numeric, numeric) from public, anon, authenticated;
revoke all on function private.price_usage(text, text, numeric, text, timestamptz) from public, anon, authenticated;
revoke all on function private.cost_event_type(text) from public, anon, authenticated;
revoke all on function private.call_line_legs(text, boolean) from public, anon, authenticated;
revoke all on function private.line_charge_cents(text[], numeric, timestamptz) from public, anon, authenticated;
grant execute on function private.price_usage(text, text, numeric, text, timestamptz) to service_role;
