-- Personas a user creates for themselves, kept in public.personas beside the built-in ones (owner_id null) so that
-- calls, scheduled calls, customisations, memories and the relay's prompt use them exactly like built-in personas.
-- Own personas are private to their owner, limited in number, and deleted softly: a deleted persona can no longer
-- be called or picked, but its owner still reads its name in their call history.
--
-- Their name, traits and prompt are the user's text, so the relay quotes them like a custom prompt (see
-- media-relay/src/system_prompt.ts), never as the service's own instructions.

alter table public.personas
  add column owner_id   uuid references public.users (id) on delete cascade,
  add column deleted_at timestamptz,
  -- Users write shorter prompts than the service does, and a handful of short traits.
  add constraint personas_own_prompt_length check (owner_id is null or char_length(btrim(system_prompt)) between 1 and 2000),
  add constraint personas_traits_shape check (
    cardinality(traits) <= 8 and char_length(array_to_string(traits, '')) <= 8 * 30),
  add constraint personas_deleted_only_own check (deleted_at is null or owner_id is not null);
comment on column public.personas.owner_id is
  'The user who created this persona and alone can see, call and edit it; null for the built-in catalogue.';
comment on column public.personas.deleted_at is
  'When the owner deleted it: it is then inactive for good, and kept only so that call history keeps its name.';

create index personas_owner_id_idx on public.personas (owner_id) where owner_id is not null;

-- How many own personas one account may have at once (deleted ones do not count). One row; change with UPDATE.
create table private.own_content_limits (
  singleton              boolean primary key default true check (singleton),
  max_personas_per_user  integer not null default 20 check (max_personas_per_user >= 0),
  max_scenarios_per_user integer not null default 50 check (max_scenarios_per_user >= 0)
);
comment on table private.own_content_limits is
  'Abuse limits on what users write themselves (one row): own personas and own scenarios per account.';
insert into private.own_content_limits default values;
alter table private.own_content_limits enable row level security;
revoke all on table private.own_content_limits from public, anon, authenticated;

-- Refuses one more own persona or scenario past the account's limit, with "<kind>_limit_reached: <sentence>".
-- Two concurrent creations by one user count each other (a per-user advisory lock).
create or replace function private.enforce_own_content_limit(p_owner uuid, p_kind text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_max integer;
  v_count integer;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('own_content.' || p_kind || ':' || p_owner::text));
  if p_kind = 'persona' then
    select l.max_personas_per_user into v_max from private.own_content_limits l;
    select pg_catalog.count(*) into v_count from public.personas p where p.owner_id = p_owner and p.deleted_at is null;
  else
    select l.max_scenarios_per_user into v_max from private.own_content_limits l;
    select pg_catalog.count(*) into v_count from public.call_scenario_templates t where t.user_id = p_owner;
  end if;
  if v_count >= v_max then
    raise exception using errcode = 'P0001', hint = p_kind || '_limit_reached',
      message = pg_catalog.format('%s_limit_reached: You already have %s %ss of your own, the most one account may have. '
                                  'Delete one you no longer use, then save this one.', p_kind, v_max, p_kind);
  end if;
end;
$$;
revoke all on function private.enforce_own_content_limit(uuid, text) from public, anon, authenticated;

-- An own persona: a slug of its own (for /personas/<slug>), always active until deleted, within the limit.
create or replace function private.shape_own_persona()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.owner_id is null then
    return new;
  end if;
  if tg_op = 'UPDATE' then
    if old.owner_id is distinct from new.owner_id then
      raise exception using errcode = 'P0001', message = 'persona_owner_fixed: A persona cannot change owner.';
    end if;
    if old.deleted_at is not null then
      raise exception using errcode = 'P0001',
        message = 'persona_deleted: This persona was deleted, so it cannot be changed. Create a new one instead.';
    end if;
    new.slug := old.slug;
    new.sort_order := old.sort_order;
    new.is_active := new.deleted_at is null;
    return new;
  end if;
  new.slug := 'own-' || left(replace(new.id::text, '-', ''), 16);
  new.sort_order := 1000;
  new.is_active := true;
  new.deleted_at := null;
  perform private.enforce_own_content_limit(new.owner_id, 'persona');
  return new;
end;
$$;
revoke all on function private.shape_own_persona() from public, anon, authenticated;

create trigger personas_shape_own
  before insert or update on public.personas
  for each row execute function private.shape_own_persona();

create or replace function private.limit_own_scenarios()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if new.user_id is not null then
    perform private.enforce_own_content_limit(new.user_id, 'scenario');
  end if;
  return new;
end;
$$;
revoke all on function private.limit_own_scenarios() from public, anon, authenticated;

create trigger call_scenario_templates_limit_own
  before insert on public.call_scenario_templates
  for each row execute function private.limit_own_scenarios();

-- Read: the active built-in catalogue, and every persona of one's own (deleted ones too, for call history; the
-- pickers ask for active ones).
drop policy "Signed-in users can read active personas" on public.personas;
create policy "Users can read active built-in personas and their own"
  on public.personas for select to authenticated
  using ((owner_id is null and is_active) or owner_id = (select auth.uid()));

create policy "Users can create their own personas"
  on public.personas for insert to authenticated
  with check (owner_id = (select auth.uid()));

-- Delete is an update that sets deleted_at: calls and customisations keep pointing at the row.
create policy "Users can edit and delete their own personas"
  on public.personas for update to authenticated
  using (owner_id = (select auth.uid()) and deleted_at is null)
  with check (owner_id = (select auth.uid()));

grant insert (id, owner_id, name, voice_id, description, traits, system_prompt,
              default_voice_stability, default_voice_similarity_boost, default_voice_style, default_voice_speed)
  on table public.personas to authenticated;
grant update (name, voice_id, description, traits, system_prompt,
              default_voice_stability, default_voice_similarity_boost, default_voice_style, default_voice_speed, deleted_at)
  on table public.personas to authenticated;
alter table public.personas alter column owner_id set default auth.uid();
-- An own persona's slug comes from the trigger above; a built-in row must still name one (the shape check refuses '').
alter table public.personas alter column slug set default '';

comment on table public.personas is
  'Personalities a user can be called by: the built-in catalogue (owner_id null; Brad, Sarah, Alex, ...; seeded and '
  'edited by admins, retired with is_active = false) and each user''s own (owner_id set; private to the owner, '
  'deleted softly with deleted_at so call history keeps the name).';
