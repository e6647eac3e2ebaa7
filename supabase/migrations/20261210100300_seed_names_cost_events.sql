-- The owner's schema gives each usage event tokens_input, tokens_output, duration_seconds, calculated_cost_cents
-- and the call_cost_breakdown_id it belongs to, with a uuid id. The product had the measures as tokens_in,
-- tokens_out and seconds (renamed here), a bigint id (replaced by a uuid: nothing refers to it), and folded events
-- into call_cost_breakdowns by call_id only. Added: call_cost_breakdowns.id, the event's call_cost_breakdown_id
-- (the breakdown is created by the call's first event) and calculated_cost_cents, what the event is billed: the
-- provider cost with its rate's markup, in US cents with sub-cent precision. The product's own columns (user_id,
-- model, rate_id, cost_usd, idempotency_key, occurred_at) stay.

alter table public.call_cost_events rename column tokens_in to tokens_input;
alter table public.call_cost_events rename column tokens_out to tokens_output;
alter table public.call_cost_events rename column seconds to duration_seconds;
alter table public.call_cost_events
  rename constraint call_cost_events_tokens_in_nonnegative to call_cost_events_tokens_input_nonnegative;
alter table public.call_cost_events
  rename constraint call_cost_events_tokens_out_nonnegative to call_cost_events_tokens_output_nonnegative;
alter table public.call_cost_events
  rename constraint call_cost_events_seconds_nonnegative to call_cost_events_duration_seconds_nonnegative;
comment on column public.call_cost_events.tokens_input is 'LLM prompt tokens.';
comment on column public.call_cost_events.tokens_output is 'LLM completion tokens.';
comment on column public.call_cost_events.duration_seconds is 'Audio or call seconds metered.';

alter table public.call_cost_events drop column id;
alter table public.call_cost_events add column id uuid not null default gen_random_uuid();
alter table public.call_cost_events add constraint call_cost_events_pkey primary key (id);

alter table public.call_cost_breakdowns add column id uuid not null default gen_random_uuid();
alter table public.call_cost_breakdowns add constraint call_cost_breakdowns_id_key unique (id);
comment on column public.call_cost_breakdowns.id is 'Key the call''s cost events refer to (call_cost_events.call_cost_breakdown_id).';

-- Cascade: a breakdown goes only with its call, and the call's events go with it too.
alter table public.call_cost_events
  add column call_cost_breakdown_id uuid references public.call_cost_breakdowns (id) on delete cascade;
alter table public.call_cost_events add column calculated_cost_cents numeric;
create index call_cost_events_call_cost_breakdown_id_idx on public.call_cost_events (call_cost_breakdown_id);
comment on column public.call_cost_events.call_cost_breakdown_id is 'The call''s call_cost_breakdowns row this event is folded into.';
comment on column public.call_cost_events.calculated_cost_cents is
  'What the event is billed, in US cents with sub-cent precision: cost_usd x 100 x (1 + the rate''s markup_percent / 100); '
  'no markup when the event names no rate. Set by a trigger when the event is recorded.';

-- Before the row is written: the breakdown exists (with zero totals until the after-insert trigger adds this
-- event) and the event is priced. Only for a call the user owns, so a wrong owner still fails on the event's own
-- foreign key. A retried event that then conflicts on idempotency_key leaves the breakdown as it was.
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
  new.calculated_cost_cents := new.cost_usd * 100 * (1 + coalesce(
    (select r.markup_percent from public.service_rates r where r.id = new.rate_id), 0) / 100);
  return new;
end;
$$;
comment on function private.link_and_price_cost_event() is
  'Trigger before a call_cost_events insert: links the call''s breakdown (creating it) and sets calculated_cost_cents '
  'from cost_usd and the rate''s markup.';
revoke all on function private.link_and_price_cost_event() from public, anon, authenticated;

create trigger call_cost_events_link_and_price
  before insert on public.call_cost_events
  for each row execute function private.link_and_price_cost_event();

-- Events recorded before this migration: the same link and price. They are append-only for the product; this
-- one-time fill is the schema change itself.
alter table public.call_cost_events disable trigger call_cost_events_append_only;
update public.call_cost_events e
   set call_cost_breakdown_id = b.id,
       calculated_cost_cents = e.cost_usd * 100 * (1 + coalesce(
         (select r.markup_percent from public.service_rates r where r.id = e.rate_id), 0) / 100)
  from public.call_cost_breakdowns b
 where b.call_id = e.call_id;
alter table public.call_cost_events enable trigger call_cost_events_append_only;

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
    insert into public.call_cost_events (call_id, user_id, service, event_type, model, duration_seconds, rate_id, cost_usd, idempotency_key)
    values (p_call.id, p_call.user_id, 'twilio',
            case when v_rate.rate_key = 'media_streams' then 'media_stream_minutes' else 'voice_minutes' end,
            v_rate.rate_key, p_call.duration_seconds, v_rate.id, v_minutes * v_rate.unit_price_usd,
            p_call.id || ':twilio:' || v_rate.rate_key)
    on conflict (idempotency_key) do nothing;
  end loop;
end;
$$;
