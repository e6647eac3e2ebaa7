-- Persona memory. After a call that had a conversation, the relay asks the call's own LLM for a short summary and the
-- facts worth keeping ("sister: Ana"); the summary is kept on the call, and summary and facts are kept as what this
-- persona remembers about this user. The next call's prompt quotes the last few summaries and the facts as notes.
-- The user reads, edits and deletes those memories, and turns memory off per persona: then nothing is summarised,
-- stored or sent. Writes come from the relay (service role) through private.record_call_summary only.

alter table public.calls add column summary text;
alter table public.calls add constraint calls_summary_length check (char_length(summary) between 1 and 1000);
comment on column public.calls.summary is
  'What the call was about, in two or three sentences, written by the call''s LLM after it ended. Null when nothing '
  'was said, when the persona''s memory is off, or when the summary could not be made in time. Written by the relay.';

alter table public.user_persona_relationships add column memory_enabled boolean not null default true;
comment on column public.user_persona_relationships.memory_enabled is
  'When false, calls with this persona are not summarised and nothing is remembered or quoted to the next call. '
  'A user without a customisation row has memory on.';
grant insert (memory_enabled), update (memory_enabled) on table public.user_persona_relationships to authenticated;

create table public.persona_memories (
  id              uuid primary key default gen_random_uuid(),
  user_id         uuid not null references public.users (id) on delete cascade,
  persona_id      uuid not null references public.personas (id) on delete restrict,
  -- Memories outlive a customisation reset (the row is deleted then); they belong to the user and persona.
  relationship_id uuid,
  call_id         uuid,
  kind            text not null,
  text            text not null,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  constraint persona_memories_kind_valid check (kind in ('summary', 'fact')),
  constraint persona_memories_text_length check (
    char_length(btrim(text)) >= 1
    and char_length(text) <= case kind when 'fact' then 200 else 1000 end),
  constraint persona_memories_relationship_fkey foreign key (relationship_id, user_id)
    references public.user_persona_relationships (id, user_id) on delete set null (relationship_id),
  constraint persona_memories_call_fkey foreign key (call_id, user_id)
    references public.calls (id, user_id) on delete set null (call_id)
);
comment on table public.persona_memories is
  'What a persona remembers about a user: call summaries and kept facts ("sister: Ana"), written after each call by '
  'the relay (private.record_call_summary). The owner reads, edits and deletes them; the next call''s prompt quotes '
  'the latest ones as notes, never as instructions.';
comment on column public.persona_memories.relationship_id is 'The user''s customisation of the persona when the memory was made, if any.';
comment on column public.persona_memories.call_id is 'The call the memory came from.';
comment on column public.persona_memories.kind is 'summary: what one call was about; fact: one lasting "topic: detail" line.';
comment on column public.persona_memories.text is 'The memory itself; a fact is at most 200 characters, a summary 1000. Editable by the owner.';

create index persona_memories_user_persona_idx on public.persona_memories (user_id, persona_id, kind, created_at desc);
create index persona_memories_persona_id_idx on public.persona_memories (persona_id);
create index persona_memories_relationship_id_idx on public.persona_memories (relationship_id);
create index persona_memories_call_id_idx on public.persona_memories (call_id);
-- One summary per call, however often the relay reports it.
create unique index persona_memories_one_summary_per_call on public.persona_memories (call_id) where kind = 'summary';

create trigger persona_memories_set_updated_at
  before update on public.persona_memories
  for each row execute function private.set_updated_at();

alter table public.persona_memories enable row level security;

create policy "Users can read what personas remember about them"
  on public.persona_memories for select to authenticated
  using (user_id = (select auth.uid()));

create policy "Users can correct what personas remember about them"
  on public.persona_memories for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "Users can delete what personas remember about them"
  on public.persona_memories for delete to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.persona_memories from anon, authenticated;
grant select, delete on table public.persona_memories to authenticated;
grant update (text) on table public.persona_memories to authenticated;

-- A fact's topic: the part before its first colon, compared case-insensitively; a new fact on the same topic
-- ("sister: Maria") replaces the old one ("sister: Ana").
create or replace function private.memory_fact_topic(p_text text)
returns text language sql immutable set search_path = '' as $$
  select case when pg_catalog.strpos(p_text, ':') > 1
              then pg_catalog.lower(pg_catalog.btrim(pg_catalog.split_part(p_text, ':', 1)))
              else pg_catalog.lower(pg_catalog.btrim(p_text)) end
$$;
comment on function private.memory_fact_topic(text) is 'The topic of a "topic: detail" fact, lower-cased; the whole fact when it has none.';
revoke all on function private.memory_fact_topic(text) from public, anon, authenticated;

-- Stores a call's summary and facts once. Memory off (now, not only when the call began) stores nothing.
create or replace function private.record_call_summary(p_call_id uuid, p_summary text, p_facts text[])
returns text language plpgsql security definer set search_path = '' as $$
declare
  v_call public.calls;
  v_rel_id uuid;
  v_enabled boolean := true;
  v_summary text := pg_catalog.left(pg_catalog.btrim(coalesce(p_summary, '')), 1000);
  v_fact text;
  v_kept integer := 0;
begin
  select * into v_call from public.calls where id = p_call_id for update;
  if not found then
    return 'unknown_call';
  end if;
  if v_call.summary is not null then
    return 'already_stored';
  end if;
  select r.id, r.memory_enabled into v_rel_id, v_enabled
    from public.user_persona_relationships r
   where r.user_id = v_call.user_id and r.persona_id = v_call.persona_id;
  if not coalesce(v_enabled, true) then
    return 'memory_off';
  end if;
  if v_summary = '' then
    return 'empty';
  end if;
  update public.calls set summary = v_summary where id = p_call_id;
  insert into public.persona_memories (user_id, persona_id, relationship_id, call_id, kind, text)
  values (v_call.user_id, v_call.persona_id, v_rel_id, p_call_id, 'summary', v_summary);
  foreach v_fact in array coalesce(p_facts, '{}'::text[]) loop
    v_fact := pg_catalog.left(pg_catalog.btrim(v_fact), 200);
    continue when v_fact = '' or v_kept >= 10;
    delete from public.persona_memories m
     where m.user_id = v_call.user_id and m.persona_id = v_call.persona_id and m.kind = 'fact'
       and private.memory_fact_topic(m.text) = private.memory_fact_topic(v_fact);
    insert into public.persona_memories (user_id, persona_id, relationship_id, call_id, kind, text)
    values (v_call.user_id, v_call.persona_id, v_rel_id, p_call_id, 'fact', v_fact);
    v_kept := v_kept + 1;
  end loop;
  return 'stored';
end;
$$;
comment on function private.record_call_summary(uuid, text, text[]) is
  'Keeps a finished call''s summary (on the call and as a memory) and its facts, once per call; a fact replaces an '
  'older one on the same topic. Returns stored, already_stored, memory_off, empty or unknown_call. Service role only.';
revoke all on function private.record_call_summary(uuid, text, text[]) from public, anon, authenticated;
grant execute on function private.record_call_summary(uuid, text, text[]) to service_role;
