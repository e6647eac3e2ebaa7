-- Provider prices and what each call cost us, per provider. Provider costs are US dollars with sub-cent
-- precision (numeric); what users pay is integer cents elsewhere.

create extension if not exists btree_gist with schema extensions;

create table public.service_rates (
  id             uuid primary key default gen_random_uuid(),
  service        text not null,
  rate_key       text not null,
  unit           text not null,
  unit_price_usd numeric(20, 12) not null,
  markup_percent numeric(6, 2) not null default 0,
  effective_from timestamptz not null default now(),
  effective_to   timestamptz,
  source_url     text,
  notes          text,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  constraint service_rates_service_valid check (service in ('twilio', 'deepgram', 'cerebras', 'openai', 'elevenlabs')),
  constraint service_rates_rate_key_shape check (rate_key ~ '^[a-z0-9][a-z0-9_.-]{0,79}$'),
  constraint service_rates_unit_valid check (unit in ('minute', 'second', 'character', 'token')),
  constraint service_rates_price_nonnegative check (unit_price_usd >= 0),
  constraint service_rates_markup_range check (markup_percent between 0 and 1000),
  constraint service_rates_effective_order check (effective_to > effective_from),
  -- One price per item at any instant: a new price closes the old one (effective_to) instead of overlapping it.
  constraint service_rates_no_overlap exclude using gist (
    service with =, rate_key with =, tstzrange(effective_from, effective_to, '[)') with &&)
);
comment on table public.service_rates is
  'Provider unit prices and the markup billed to users. Edited by admins in the dashboard: to change a price, set '
  'effective_to on the current row and insert a new one (periods may not overlap), so past calls keep their rate.';
comment on column public.service_rates.service is 'Provider: twilio, deepgram, cerebras, openai or elevenlabs.';
comment on column public.service_rates.rate_key is
  'What is priced, e.g. voice_outbound_us, media_streams, nova-3_streaming, gpt-4o-mini_input, eleven_flash_v2_5.';
comment on column public.service_rates.unit is 'Unit the price is per: minute, second, character or token.';
comment on column public.service_rates.unit_price_usd is 'Provider list price per unit in US dollars (sub-cent precision).';
comment on column public.service_rates.markup_percent is 'Markup added on top of the provider cost when billing users (30 = +30 %).';
comment on column public.service_rates.effective_from is 'First instant the price applies.';
comment on column public.service_rates.effective_to is 'First instant it no longer applies; null = current price.';
comment on column public.service_rates.source_url is 'Where the price is published.';
comment on column public.service_rates.notes is 'When and how the price was checked, and any caveats (e.g. per-minute rounding).';

create trigger service_rates_set_updated_at
  before update on public.service_rates
  for each row execute function private.set_updated_at();

alter table public.service_rates enable row level security;
-- No policies: prices and markup are read by the service to estimate and bill; admins edit them.
revoke all on table public.service_rates from anon, authenticated;


create table public.call_cost_breakdowns (
  call_id         uuid primary key,
  user_id         uuid not null,
  twilio_usd      numeric(20, 10) not null default 0,
  deepgram_usd    numeric(20, 10) not null default 0,
  cerebras_usd    numeric(20, 10) not null default 0,
  openai_usd      numeric(20, 10) not null default 0,
  elevenlabs_usd  numeric(20, 10) not null default 0,
  total_usd       numeric(20, 10) generated always as
                    (twilio_usd + deepgram_usd + cerebras_usd + openai_usd + elevenlabs_usd) stored,
  billed_credits  integer,
  event_count     integer not null default 0,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  constraint call_cost_breakdowns_call_fkey foreign key (call_id, user_id)
    references public.calls (id, user_id) on delete cascade,
  constraint call_cost_breakdowns_twilio_nonnegative check (twilio_usd >= 0),
  constraint call_cost_breakdowns_deepgram_nonnegative check (deepgram_usd >= 0),
  constraint call_cost_breakdowns_cerebras_nonnegative check (cerebras_usd >= 0),
  constraint call_cost_breakdowns_openai_nonnegative check (openai_usd >= 0),
  constraint call_cost_breakdowns_elevenlabs_nonnegative check (elevenlabs_usd >= 0),
  constraint call_cost_breakdowns_billed_nonnegative check (billed_credits >= 0),
  constraint call_cost_breakdowns_event_count_nonnegative check (event_count >= 0)
);
comment on table public.call_cost_breakdowns is
  'Running provider cost of each call, one row per call, kept up to date by a trigger on call_cost_events (the '
  'live view shows it during the call). Settlement sets billed_credits. Service only; the owner reads it.';
comment on column public.call_cost_breakdowns.user_id is 'Owner of the call, copied from calls for RLS; must match calls.user_id.';
comment on column public.call_cost_breakdowns.twilio_usd is 'Voice + Media Streams cost in US dollars.';
comment on column public.call_cost_breakdowns.deepgram_usd is 'Speech-to-text cost in US dollars.';
comment on column public.call_cost_breakdowns.cerebras_usd is 'LLM cost (Cerebras) in US dollars.';
comment on column public.call_cost_breakdowns.openai_usd is 'LLM cost (OpenAI) in US dollars.';
comment on column public.call_cost_breakdowns.elevenlabs_usd is 'Text-to-speech cost in US dollars.';
comment on column public.call_cost_breakdowns.total_usd is 'Sum of the provider columns (computed).';
comment on column public.call_cost_breakdowns.billed_credits is 'Credits (US cents) charged to the user at settlement, markup included; null until settled.';
comment on column public.call_cost_breakdowns.event_count is 'Number of call_cost_events folded in.';

create index call_cost_breakdowns_user_id_idx on public.call_cost_breakdowns (user_id);

create trigger call_cost_breakdowns_set_updated_at
  before update on public.call_cost_breakdowns
  for each row execute function private.set_updated_at();

alter table public.call_cost_breakdowns enable row level security;

create policy "Users can read the cost breakdown of their own calls"
  on public.call_cost_breakdowns for select to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.call_cost_breakdowns from anon, authenticated;
grant select on table public.call_cost_breakdowns to authenticated;


create table public.call_cost_events (
  id              bigint generated always as identity primary key,
  call_id         uuid not null,
  user_id         uuid not null,
  service         text not null,
  event_type      text not null,
  model           text,
  tokens_in       integer,
  tokens_out      integer,
  characters      integer,
  seconds         numeric(12, 3),
  -- Restrict: a price that was used to bill is closed with effective_to, never deleted.
  rate_id         uuid references public.service_rates (id) on delete restrict,
  cost_usd        numeric(20, 10) not null,
  idempotency_key text not null unique,
  occurred_at     timestamptz not null default now(),
  created_at      timestamptz not null default now(),
  constraint call_cost_events_call_fkey foreign key (call_id, user_id)
    references public.calls (id, user_id) on delete cascade,
  constraint call_cost_events_service_valid check (service in ('twilio', 'deepgram', 'cerebras', 'openai', 'elevenlabs')),
  constraint call_cost_events_event_type_valid check (event_type in
    ('voice_minutes', 'media_stream_minutes', 'stt_audio', 'llm_completion', 'tts_characters')),
  -- Each provider meters its own kind of usage, and the measure that prices it must be present.
  constraint call_cost_events_usage_matches_service check (
       (service = 'twilio' and event_type in ('voice_minutes', 'media_stream_minutes') and seconds is not null)
    or (service = 'deepgram' and event_type = 'stt_audio' and seconds is not null)
    or (service in ('cerebras', 'openai') and event_type = 'llm_completion' and tokens_in is not null and tokens_out is not null)
    or (service = 'elevenlabs' and event_type = 'tts_characters' and characters is not null)),
  constraint call_cost_events_tokens_in_nonnegative check (tokens_in >= 0),
  constraint call_cost_events_tokens_out_nonnegative check (tokens_out >= 0),
  constraint call_cost_events_characters_nonnegative check (characters >= 0),
  constraint call_cost_events_seconds_nonnegative check (seconds >= 0),
  constraint call_cost_events_cost_nonnegative check (cost_usd >= 0),
  constraint call_cost_events_idempotency_key_length check (char_length(idempotency_key) between 1 and 200),
  constraint call_cost_events_model_length check (char_length(model) <= 100)
);
comment on table public.call_cost_events is
  'Granular provider usage per call (minutes, audio seconds, tokens, characters) with its calculated cost. '
  'Written in batches by the relay and status callbacks; a retried batch conflicts on idempotency_key instead of '
  'counting twice. Each insert is folded into call_cost_breakdowns. Service only; the owner reads their own.';
comment on column public.call_cost_events.user_id is 'Owner of the call, copied from calls for RLS; must match calls.user_id.';
comment on column public.call_cost_events.event_type is
  'voice_minutes / media_stream_minutes (twilio), stt_audio (deepgram), llm_completion (cerebras, openai), tts_characters (elevenlabs).';
comment on column public.call_cost_events.model is 'Provider model or product used (e.g. nova-3, gpt-4o-mini, eleven_flash_v2_5).';
comment on column public.call_cost_events.tokens_in is 'LLM prompt tokens.';
comment on column public.call_cost_events.tokens_out is 'LLM completion tokens.';
comment on column public.call_cost_events.characters is 'Characters sent to text-to-speech.';
comment on column public.call_cost_events.seconds is 'Audio or call seconds metered.';
comment on column public.call_cost_events.rate_id is 'service_rates row used to price the event.';
comment on column public.call_cost_events.cost_usd is 'Provider cost of the event in US dollars, before markup (sub-cent precision).';
comment on column public.call_cost_events.idempotency_key is 'Unique key of the metered unit (e.g. {call}:{service}:{turn}), so retries are harmless.';
comment on column public.call_cost_events.occurred_at is 'When the usage happened (may precede created_at for batched writes).';

create index call_cost_events_call_id_idx on public.call_cost_events (call_id, occurred_at);
create index call_cost_events_user_id_idx on public.call_cost_events (user_id);
create index call_cost_events_rate_id_idx on public.call_cost_events (rate_id);

create or replace function private.add_cost_event_to_breakdown()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.call_cost_breakdowns as b
    (call_id, user_id, twilio_usd, deepgram_usd, cerebras_usd, openai_usd, elevenlabs_usd, event_count)
  values (
    new.call_id, new.user_id,
    case when new.service = 'twilio' then new.cost_usd else 0 end,
    case when new.service = 'deepgram' then new.cost_usd else 0 end,
    case when new.service = 'cerebras' then new.cost_usd else 0 end,
    case when new.service = 'openai' then new.cost_usd else 0 end,
    case when new.service = 'elevenlabs' then new.cost_usd else 0 end,
    1)
  on conflict (call_id) do update set
    twilio_usd     = b.twilio_usd + excluded.twilio_usd,
    deepgram_usd   = b.deepgram_usd + excluded.deepgram_usd,
    cerebras_usd   = b.cerebras_usd + excluded.cerebras_usd,
    openai_usd     = b.openai_usd + excluded.openai_usd,
    elevenlabs_usd = b.elevenlabs_usd + excluded.elevenlabs_usd,
    event_count    = b.event_count + 1;
  return null;
end;
$$;
comment on function private.add_cost_event_to_breakdown() is
  'Trigger: folds each new call_cost_events row into the call''s call_cost_breakdowns totals.';
revoke all on function private.add_cost_event_to_breakdown() from public, anon, authenticated;

create trigger call_cost_events_add_to_breakdown
  after insert on public.call_cost_events
  for each row execute function private.add_cost_event_to_breakdown();

-- Events are history: corrections are new events, so the breakdown always equals the sum of the events.
create or replace function private.forbid_cost_event_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception 'call_cost_events is append-only: record a new event instead of changing event %.', old.id
    using errcode = 'restrict_violation';
end;
$$;
comment on function private.forbid_cost_event_change() is 'Trigger: call_cost_events rows are never updated.';

create trigger call_cost_events_append_only
  before update on public.call_cost_events
  for each row execute function private.forbid_cost_event_change();

alter table public.call_cost_events enable row level security;

create policy "Users can read the cost events of their own calls"
  on public.call_cost_events for select to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.call_cost_events from anon, authenticated;
grant select on table public.call_cost_events to authenticated;

-- The live view shows the running cost.
alter publication supabase_realtime add table public.call_cost_breakdowns;
