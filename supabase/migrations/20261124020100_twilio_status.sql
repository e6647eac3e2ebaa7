-- Twilio status callbacks: every signed callback is kept once (deduplicated on the signed CallSid, CallStatus and
-- SequenceNumber), applied to its call only forward, and kept until its call row exists when it arrives first.
-- A finished call records Twilio's minutes as cost events and is settled by one idempotent function.

alter table public.calls add column if not exists media_ended_at timestamptz;
comment on column public.calls.media_ended_at is
  'When the media relay closed the call''s audio stream and flushed its usage; settlement waits for it (or a grace period).';
-- The relay usually knows why a call ended (budget reached, persona said goodbye, silence) before Twilio's final
-- callback arrives; the callback keeps that reason instead of assuming the caller hung up.
alter table public.calls add column if not exists media_end_reason text;
alter table public.calls add constraint calls_media_end_reason_valid check (media_end_reason in
  ('user_hung_up', 'persona_hung_up', 'budget_exhausted', 'time_limit', 'silence_timeout', 'provider_error', 'relay_error'));
comment on column public.calls.media_end_reason is
  'Why the media relay ended the conversation; becomes end_reason when the call''s final status arrives.';

create table public.twilio_status_events (
  id              bigint generated always as identity primary key,
  call_sid        text not null,
  call_status     text not null,
  sequence_number integer not null,
  call_duration   integer,
  answered_by     text,
  params          jsonb not null,
  received_at     timestamptz not null default now(),
  applied_at      timestamptz,
  outcome         text,
  constraint twilio_status_events_once unique (call_sid, call_status, sequence_number),
  constraint twilio_status_events_call_sid_shape check (call_sid ~ '^CA[0-9a-fA-F]{32}$'),
  constraint twilio_status_events_status_valid check (call_status in
    ('queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled')),
  constraint twilio_status_events_sequence_range check (sequence_number >= 0),
  constraint twilio_status_events_duration_range check (call_duration >= 0),
  constraint twilio_status_events_outcome_valid check (outcome in ('applied', 'stale'))
);
comment on table public.twilio_status_events is
  'Every signed Twilio status callback, once. Unique on (CallSid, CallStatus, SequenceNumber) so retries and '
  'replays change nothing; callbacks for a CallSid not yet on a call wait here (applied_at null) until it is.';
comment on column public.twilio_status_events.outcome is 'applied: moved the call forward; stale: arrived after a later state and changed nothing.';
create index twilio_status_events_pending_idx on public.twilio_status_events (call_sid, sequence_number) where applied_at is null;

alter table public.twilio_status_events enable row level security;
-- No policies: written and read by the service only.
revoke all on table public.twilio_status_events from anon, authenticated;

create or replace function private.call_status_from_twilio(p_status text)
returns text language sql immutable set search_path = '' as $$
  select case p_status
    when 'in-progress' then 'in_progress'
    when 'no-answer' then 'no_answer'
    else p_status
  end
$$;

-- Provider cost of Twilio minutes for a finished call: voice and Media Streams, each per started minute.
create or replace function private.record_twilio_minutes(p_call public.calls)
returns void language plpgsql security definer set search_path = '' as $$
declare
  v_rate public.service_rates;
  v_minutes integer := pg_catalog.ceil(coalesce(p_call.duration_seconds, 0) / 60.0);
begin
  if p_call.mode <> 'phone' or v_minutes = 0 then
    return;
  end if;
  for v_rate in
    select * from public.service_rates r
     where r.service = 'twilio' and r.rate_key in ('voice_outbound_us', 'media_streams')
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
revoke all on function private.record_twilio_minutes(public.calls) from public, anon, authenticated;

-- Applies one stored callback to its call. Returns the event's outcome, or null when the call row is missing.
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

-- The status-callback entry point: store once, apply when the call exists. Returns duplicate | pending | applied | stale.
create or replace function private.record_twilio_status(
  p_call_sid text, p_call_status text, p_sequence integer, p_duration integer, p_answered_by text, p_params jsonb)
returns table (outcome text, call_id uuid, call_status text)
language plpgsql security definer set search_path = '' as $$
declare
  v_id bigint;
  v_outcome text;
begin
  insert into public.twilio_status_events (call_sid, call_status, sequence_number, call_duration, answered_by, params)
  values (p_call_sid, p_call_status, p_sequence, p_duration, p_answered_by, p_params)
  on conflict on constraint twilio_status_events_once do nothing
  returning id into v_id;
  if v_id is null then
    v_outcome := 'duplicate';
  else
    v_outcome := coalesce(private.apply_twilio_status_event(v_id), 'pending');
  end if;
  return query select v_outcome, c.id, c.status from public.calls c where c.twilio_call_sid = p_call_sid;
  if not found then
    return query select v_outcome, null::uuid, null::text;
  end if;
end;
$$;
comment on function private.record_twilio_status(text, text, integer, integer, text, jsonb) is
  'Stores a signed Twilio status callback once and applies it to its call (forward only). Service role only.';
revoke all on function private.record_twilio_status(text, text, integer, integer, text, jsonb) from public, anon, authenticated;
grant execute on function private.record_twilio_status(text, text, integer, integer, text, jsonb) to service_role;

-- Callbacks that arrived before their call row learnt its CallSid are applied, in order, when it does.
create or replace function private.apply_waiting_twilio_events()
returns trigger language plpgsql security definer set search_path = '' as $$
declare
  v_id bigint;
begin
  for v_id in
    select e.id from public.twilio_status_events e
     where e.call_sid = new.twilio_call_sid and e.applied_at is null
     order by e.sequence_number
  loop
    perform private.apply_twilio_status_event(v_id);
  end loop;
  return null;
end;
$$;
create trigger calls_apply_waiting_twilio_events
  after update of twilio_call_sid on public.calls
  for each row when (new.twilio_call_sid is not null and old.twilio_call_sid is distinct from new.twilio_call_sid)
  execute function private.apply_waiting_twilio_events();

-- Settlement: one idempotent entry point for the relay, the status callback and the reconciler. A call is settled
-- once it has ended and its media usage is in (media_ended_at), or after a grace period when the relay never
-- reported. Credits: charge provider cost with each rate's markup, rounded up, release the rest; a call that never
-- connected releases everything. Demo calls record what they would have cost and charge nothing.
create or replace function private.settle_finished_call(p_call_id uuid, p_grace interval default interval '2 minutes')
returns text language plpgsql security definer set search_path = '' as $$
declare
  v_call public.calls;
  v_billed numeric;
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
  v_connected := v_call.answered_at is not null;
  if v_connected and v_call.media_ended_at is null and v_call.ended_at > pg_catalog.now() - p_grace then
    return 'waiting_for_media';
  end if;
  if v_connected then
    perform private.record_twilio_minutes(v_call);
  end if;
  select coalesce(sum(e.cost_usd * (1 + coalesce(r.markup_percent, 0) / 100)), 0) into v_billed
    from public.call_cost_events e left join public.service_rates r on r.id = e.rate_id
   where e.call_id = p_call_id;

  if v_call.payment_method = 'credits' and v_call.payment_status = 'reserved' then
    if v_connected then
      perform private.settle_call(p_call_id, v_billed, 0, 'settle:' || p_call_id);
      return 'settled';
    end if;
    perform private.release_call(p_call_id, 'release:' || p_call_id);
    return 'released';
  end if;
  if v_call.payment_method = 'demo' then
    update public.calls
       set payment_status = case when v_connected then 'settled' else 'released' end,
           actual_cost_cents = case when v_connected then pg_catalog.ceil(v_billed * 100)::integer else 0 end,
           credits_used = 0
     where id = p_call_id;
    return case when v_connected then 'settled' else 'released' end;
  end if;
  -- Card calls are captured or cancelled at Stripe by the caller of this function, which then records the result.
  return 'card_capture_required';
end;
$$;
comment on function private.settle_finished_call(uuid, interval) is
  'Settles a finished call exactly once whoever asks (relay, status callback, reconciler). Service role only.';
revoke all on function private.settle_finished_call(uuid, interval) from public, anon, authenticated;
grant execute on function private.settle_finished_call(uuid, interval) to service_role;
