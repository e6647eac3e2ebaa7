-- Calls and their live transcripts.

create table public.calls (
  id                       uuid primary key default gen_random_uuid(),
  user_id                  uuid not null references public.users (id) on delete cascade,
  -- Restrict: personas are retired with is_active = false; call history keeps pointing at them.
  persona_id               uuid not null references public.personas (id) on delete restrict,
  relationship_id          uuid,
  -- Set null: a user may delete their own template; the call history stays.
  scenario_template_id     uuid references public.call_scenario_templates (id) on delete set null,
  scheduled_call_id        uuid unique,
  mode                     text not null,
  phone_number_id          uuid,
  to_number                text,
  custom_instructions      text,
  status                   text not null default 'created',
  twilio_call_sid          text unique,
  last_callback_sequence   integer,
  payment_method           text not null,
  payment_status           text not null default 'pending',
  stripe_payment_intent_id text unique,
  max_duration_seconds     integer not null,
  estimated_cost_cents     integer not null default 0,
  reserved_credits         integer not null default 0,
  actual_cost_cents        integer,
  credits_used             integer not null default 0,
  duration_seconds         integer,
  end_reason               text,
  error_message            text,
  idempotency_key          text,
  user_rating              smallint,
  user_feedback            text,
  created_at               timestamptz not null default now(),
  updated_at               timestamptz not null default now(),
  dialed_at                timestamptz,
  answered_at              timestamptz,
  ended_at                 timestamptz,
  constraint calls_id_user_id_key unique (id, user_id),
  constraint calls_user_idempotency_key unique (user_id, idempotency_key),
  -- Composite keys: a call may only use the caller's own customisation and phone number. When either is deleted
  -- only that column is cleared; the dialled number stays in to_number for the history.
  constraint calls_relationship_fkey foreign key (relationship_id, user_id)
    references public.user_persona_relationships (id, user_id) on delete set null (relationship_id),
  constraint calls_phone_number_fkey foreign key (phone_number_id, user_id)
    references public.user_phone_numbers (id, user_id) on delete set null (phone_number_id),
  constraint calls_mode_valid check (mode in ('phone', 'browser')),
  constraint calls_phone_mode_has_number check ((mode = 'phone') = (to_number is not null)),
  constraint calls_browser_mode_has_no_number check (mode = 'phone' or phone_number_id is null),
  constraint calls_to_number_e164 check (to_number ~ '^\+[1-9][0-9]{6,14}$'),
  constraint calls_status_valid check (status in
    ('created', 'queued', 'initiated', 'ringing', 'in_progress', 'completed', 'busy', 'no_answer', 'failed', 'canceled')),
  constraint calls_ended_has_time check (
    status not in ('completed', 'busy', 'no_answer', 'failed', 'canceled') or ended_at is not null),
  constraint calls_twilio_call_sid_shape check (twilio_call_sid ~ '^CA[0-9a-fA-F]{32}$'),
  constraint calls_last_callback_sequence_range check (last_callback_sequence >= 0),
  constraint calls_payment_method_valid check (payment_method in ('credits', 'card', 'demo')),
  constraint calls_payment_status_valid check (payment_status in
    ('pending', 'reserved', 'authorized', 'settled', 'released', 'failed')),
  constraint calls_stripe_payment_intent_shape check (stripe_payment_intent_id ~ '^pi_[A-Za-z0-9]+$'),
  constraint calls_card_payment_has_intent check (
    payment_method <> 'card' or payment_status in ('pending', 'failed') or stripe_payment_intent_id is not null),
  constraint calls_credit_payment_has_no_intent check (payment_method = 'card' or stripe_payment_intent_id is null),
  constraint calls_max_duration_range check (max_duration_seconds between 1 and 14400),
  constraint calls_estimated_cost_nonnegative check (estimated_cost_cents >= 0),
  constraint calls_reserved_credits_nonnegative check (reserved_credits >= 0),
  constraint calls_actual_cost_nonnegative check (actual_cost_cents >= 0),
  constraint calls_credits_used_nonnegative check (credits_used >= 0),
  constraint calls_duration_nonnegative check (duration_seconds >= 0),
  constraint calls_end_reason_valid check (end_reason in
    ('user_hung_up', 'persona_hung_up', 'budget_exhausted', 'time_limit', 'silence_timeout', 'no_answer', 'busy',
     'canceled', 'payment_failed', 'provider_error', 'relay_error', 'missed', 'failed')),
  constraint calls_end_reason_only_when_ended check (
    end_reason is null or status in ('completed', 'busy', 'no_answer', 'failed', 'canceled')),
  constraint calls_custom_instructions_length check (char_length(custom_instructions) <= 1000),
  constraint calls_error_message_length check (char_length(error_message) <= 1000),
  constraint calls_idempotency_key_length check (char_length(idempotency_key) between 1 and 200),
  constraint calls_user_rating_range check (user_rating between 1 and 5),
  constraint calls_user_feedback_length check (char_length(user_feedback) <= 2000),
  constraint calls_answered_after_created check (answered_at >= created_at),
  constraint calls_ended_after_answered check (ended_at >= coalesce(answered_at, created_at))
);
comment on table public.calls is
  'One row per call, phone or browser. Written by the service (call-now, dispatcher, status callbacks, relay, '
  'settlement); the owner reads it live and may only rate a finished call. Status moves forward only; terminal '
  'statuses (completed, busy, no_answer, failed, canceled) are final.';
comment on column public.calls.relationship_id is 'The user''s persona customisation in force when the call was placed.';
comment on column public.calls.scheduled_call_id is 'The scheduled occurrence that produced this call; unique, so an occurrence rings at most once.';
comment on column public.calls.mode is 'phone: Twilio dials to_number; browser: the user talks from the web app.';
comment on column public.calls.phone_number_id is 'Verified number that was dialled (cleared if the user removes it; to_number keeps the value).';
comment on column public.calls.to_number is 'E.164 number dialled, copied at call time; null for browser calls.';
comment on column public.calls.custom_instructions is 'One-off instructions for this call (e.g. what to remind the user about).';
comment on column public.calls.status is
  'created -> queued -> initiated -> ringing -> in_progress -> completed | busy | no_answer | failed | canceled.';
comment on column public.calls.twilio_call_sid is 'Twilio CallSid (CA + 32 hex); unique, used to match status callbacks.';
comment on column public.calls.last_callback_sequence is 'Highest Twilio SequenceNumber applied, so late or repeated callbacks are ignored.';
comment on column public.calls.payment_method is 'credits (reserve from balance), card (Stripe PaymentIntent, manual capture) or demo.';
comment on column public.calls.payment_status is
  'pending -> reserved (credits held) | authorized (card held) -> settled (actual cost charged) | released '
  '(nothing charged) | failed.';
comment on column public.calls.stripe_payment_intent_id is 'Stripe PaymentIntent (pi_...) for card-paid calls.';
comment on column public.calls.max_duration_seconds is 'Hard cap passed to Twilio as TimeLimit, derived from the budget and reservation.';
comment on column public.calls.estimated_cost_cents is 'Estimate at call time (rates x max duration, with markup), in US cents.';
comment on column public.calls.reserved_credits is 'Credits held for this call at start (1 credit = 1 cent).';
comment on column public.calls.actual_cost_cents is 'What the user was charged at settlement, in US cents; null until settled.';
comment on column public.calls.credits_used is 'Credits actually consumed at settlement (0 for card and demo calls).';
comment on column public.calls.duration_seconds is 'Connected duration reported by Twilio (or measured for browser calls).';
comment on column public.calls.end_reason is 'Why the call ended (user_hung_up, budget_exhausted, time_limit, no_answer, ...).';
comment on column public.calls.error_message is 'Human-readable reason when the call failed.';
comment on column public.calls.idempotency_key is 'Client request key for call-now; unique per user so a double click places one call.';
comment on column public.calls.user_rating is 'The user''s 1-5 rating after the call.';
comment on column public.calls.dialed_at is 'When Twilio accepted the outbound call (or the browser session opened).';
comment on column public.calls.answered_at is 'When the callee picked up (status in_progress).';
comment on column public.calls.ended_at is 'When the call reached a terminal status.';

create index calls_user_created_idx on public.calls (user_id, created_at desc);
create index calls_persona_id_idx on public.calls (persona_id);
create index calls_scenario_template_id_idx on public.calls (scenario_template_id);
create index calls_relationship_id_idx on public.calls (relationship_id);
create index calls_phone_number_id_idx on public.calls (phone_number_id);
-- The reconciler looks for calls whose final callback never came.
create index calls_open_idx on public.calls (created_at)
  where status in ('created', 'queued', 'initiated', 'ringing', 'in_progress');

create trigger calls_set_updated_at
  before update on public.calls
  for each row execute function private.set_updated_at();

-- Status callbacks arrive late, twice, or out of order: the state may only move forward, a terminal state is
-- final, and the timestamps follow the status.
create or replace function private.call_status_rank(status text)
returns integer
language sql
immutable
set search_path = ''
as $$
  select case status
    when 'created' then 0
    when 'queued' then 1
    when 'initiated' then 2
    when 'ringing' then 3
    when 'in_progress' then 4
    else 5
  end
$$;
comment on function private.call_status_rank(text) is 'Order of call statuses; every terminal status ranks 5.';

create or replace function private.guard_call_status()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.status is distinct from old.status then
    if private.call_status_rank(old.status) = 5 then
      raise exception 'Call % already ended with status %; it cannot become %.', old.id, old.status, new.status
        using errcode = 'check_violation';
    end if;
    if private.call_status_rank(new.status) < private.call_status_rank(old.status) then
      raise exception 'Call % cannot go back from % to %.', old.id, old.status, new.status
        using errcode = 'check_violation';
    end if;
  end if;
  if new.status = 'in_progress' and new.answered_at is null then
    new.answered_at := pg_catalog.now();
  end if;
  if private.call_status_rank(new.status) = 5 and new.ended_at is null then
    new.ended_at := pg_catalog.now();
  end if;
  return new;
end;
$$;
comment on function private.guard_call_status() is
  'Trigger: call status only moves forward, terminal statuses are final, answered_at/ended_at are stamped.';

create trigger calls_guard_status
  before insert or update of status on public.calls
  for each row execute function private.guard_call_status();

alter table public.calls enable row level security;

create policy "Users can read their own calls"
  on public.calls for select to authenticated
  using (user_id = (select auth.uid()));

create policy "Users can rate their own finished calls"
  on public.calls for update to authenticated
  using (user_id = (select auth.uid()) and status in ('completed', 'busy', 'no_answer', 'failed', 'canceled'))
  with check (user_id = (select auth.uid()));

-- The service writes calls. Users never touch status, payment or cost columns: only the rating columns are granted.
revoke all on table public.calls from anon, authenticated;
grant select on table public.calls to authenticated;
grant update (user_rating, user_feedback) on table public.calls to authenticated;


create table public.call_transcript_segments (
  id         bigint generated always as identity primary key,
  call_id    uuid not null,
  user_id    uuid not null,
  seq        integer not null,
  speaker    text not null,
  text       text not null,
  start_ms   integer,
  end_ms     integer,
  interrupted boolean not null default false,
  created_at timestamptz not null default now(),
  -- The owner is copied from the call (checked by this key) so RLS and realtime filters need no join.
  constraint call_transcript_segments_call_fkey foreign key (call_id, user_id)
    references public.calls (id, user_id) on delete cascade,
  constraint call_transcript_segments_call_seq_key unique (call_id, seq),
  constraint call_transcript_segments_seq_nonnegative check (seq >= 0),
  constraint call_transcript_segments_speaker_valid check (speaker in ('user', 'persona', 'system')),
  constraint call_transcript_segments_text_length check (char_length(text) between 1 and 10000),
  constraint call_transcript_segments_start_nonnegative check (start_ms >= 0),
  constraint call_transcript_segments_end_after_start check (end_ms >= start_ms)
);
comment on table public.call_transcript_segments is
  'Final transcript of each call, one row per utterance, written by the media relay (interim text goes out as '
  'realtime broadcast only). The owner reads it live through realtime and refetches by seq after a reconnect.';
comment on column public.call_transcript_segments.user_id is 'Owner of the call, copied from calls for RLS; must match calls.user_id.';
comment on column public.call_transcript_segments.seq is 'Order within the call (0, 1, 2, ...); unique per call so retries cannot duplicate a line.';
comment on column public.call_transcript_segments.speaker is 'user (the callee), persona (the AI) or system (notices such as "call ended: budget reached").';
comment on column public.call_transcript_segments.start_ms is 'Offset from call start (ms) where the utterance begins.';
comment on column public.call_transcript_segments.end_ms is 'Offset from call start (ms) where the utterance ends.';
comment on column public.call_transcript_segments.interrupted is 'The persona was cut off by the user; text holds only what was heard.';

create index call_transcript_segments_user_id_idx on public.call_transcript_segments (user_id);

alter table public.call_transcript_segments enable row level security;

create policy "Users can read the transcripts of their own calls"
  on public.call_transcript_segments for select to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.call_transcript_segments from anon, authenticated;
grant select on table public.call_transcript_segments to authenticated;

-- The live call view follows status and transcript through postgres_changes.
alter publication supabase_realtime add table public.calls, public.call_transcript_segments;
