-- How fast each answer of a call came, stage by stage, written by the media relay after every answer to the
-- callee (played in full or interrupted). The call page shows the owner a summary; nobody else reads it.
create table public.call_turn_latencies (
  call_id            uuid not null,
  user_id            uuid not null,
  turn               integer not null,
  stt_final_ms       integer,
  llm_first_token_ms integer,
  tts_first_byte_ms  integer,
  voice_to_voice_ms  integer,
  interrupted        boolean not null default false,
  preemptive         boolean not null default false,
  acknowledged       boolean not null default false,
  wasted_llm_tokens  integer not null default 0,
  created_at         timestamptz not null default now(),
  primary key (call_id, turn),
  -- The owner is copied from the call (checked by this key) so RLS needs no join.
  constraint call_turn_latencies_call_fkey foreign key (call_id, user_id)
    references public.calls (id, user_id) on delete cascade,
  constraint call_turn_latencies_turn_positive check (turn >= 1),
  constraint call_turn_latencies_ms_range check (
    coalesce(stt_final_ms, 0) between 0 and 600000 and coalesce(llm_first_token_ms, 0) between 0 and 600000
    and coalesce(tts_first_byte_ms, 0) between 0 and 600000 and coalesce(voice_to_voice_ms, 0) between 0 and 600000),
  constraint call_turn_latencies_wasted_nonnegative check (wasted_llm_tokens >= 0)
);
comment on table public.call_turn_latencies is
  'Per-answer latency of a call, written by the media relay (idempotent per call and turn). Owner reads only.';
comment on column public.call_turn_latencies.turn is 'The persona''s turn number within the call (the greeting is 1).';
comment on column public.call_turn_latencies.stt_final_ms is 'The callee''s last sound -> their turn called over (recogniser''s final words, plus any wait after an unfinished sentence).';
comment on column public.call_turn_latencies.llm_first_token_ms is 'Turn called over -> the LLM''s first word; 0 when a preemptive answer already had it.';
comment on column public.call_turn_latencies.tts_first_byte_ms is 'First sentence sent to speech synthesis -> its first audio.';
comment on column public.call_turn_latencies.voice_to_voice_ms is 'The callee''s last sound -> the first audio of the answer sent down the line; null when none went out.';
comment on column public.call_turn_latencies.interrupted is 'The callee cut the answer off.';
comment on column public.call_turn_latencies.preemptive is 'The answer was started before the callee''s turn was over, and kept.';
comment on column public.call_turn_latencies.acknowledged is 'A short acknowledgement played first because the answer was late.';
comment on column public.call_turn_latencies.wasted_llm_tokens is 'LLM tokens spent on preemptive answers discarded during the callee''s turn.';

create index call_turn_latencies_user_id_idx on public.call_turn_latencies (user_id);

alter table public.call_turn_latencies enable row level security;

create policy "Users can read the answer latencies of their own calls"
  on public.call_turn_latencies for select to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.call_turn_latencies from anon, authenticated;
grant select on table public.call_turn_latencies to authenticated;
