-- Personas (the catalogue) and each user's customisation of them.

create table public.personas (
  id                          uuid primary key default gen_random_uuid(),
  slug                        text not null unique,
  name                        text not null,
  voice_id                    text not null,
  description                 text not null,
  traits                      text[] not null default '{}',
  system_prompt               text not null,
  default_voice_stability        numeric(3, 2) not null default 0.50,
  default_voice_similarity_boost numeric(3, 2) not null default 0.75,
  default_voice_style            numeric(3, 2) not null default 0.00,
  default_voice_speed            numeric(3, 2) not null default 1.00,
  is_active                   boolean not null default true,
  sort_order                  integer not null default 0,
  created_at                  timestamptz not null default now(),
  updated_at                  timestamptz not null default now(),
  constraint personas_slug_shape check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and char_length(slug) <= 40),
  constraint personas_name_length check (char_length(btrim(name)) between 1 and 50),
  constraint personas_voice_id_shape check (voice_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  constraint personas_description_length check (char_length(description) between 1 and 500),
  constraint personas_system_prompt_length check (char_length(system_prompt) between 1 and 8000),
  constraint personas_stability_range check (default_voice_stability between 0 and 1),
  constraint personas_similarity_boost_range check (default_voice_similarity_boost between 0 and 1),
  constraint personas_style_range check (default_voice_style between 0 and 1),
  constraint personas_speed_range check (default_voice_speed between 0.7 and 1.2)
);
comment on table public.personas is
  'Base personalities a user can be called by (Brad, Sarah, Alex, ...). Seeded and edited by admins; retire one '
  'with is_active = false rather than deleting it (calls and customisations refer to it).';
comment on column public.personas.slug is 'Stable lower-case handle used by the app and tests (e.g. brad).';
comment on column public.personas.voice_id is 'ElevenLabs voice id used for text-to-speech.';
comment on column public.personas.traits is 'Short personality tags shown on the persona card (e.g. {laid-back,funny}).';
comment on column public.personas.system_prompt is 'Base LLM instructions; the scenario and the user''s custom prompt are appended at call time.';
comment on column public.personas.default_voice_stability is 'ElevenLabs voice_settings.stability (0-1): higher is steadier, lower is more expressive.';
comment on column public.personas.default_voice_similarity_boost is 'ElevenLabs voice_settings.similarity_boost (0-1): adherence to the original voice.';
comment on column public.personas.default_voice_style is 'ElevenLabs voice_settings.style (0-1): style exaggeration; adds latency above 0.';
comment on column public.personas.default_voice_speed is 'ElevenLabs voice_settings.speed (0.7-1.2), 1.0 is normal speed.';
comment on column public.personas.is_active is 'Only active personas are offered to users and can be called.';
comment on column public.personas.sort_order is 'Display order in the persona picker (ascending).';

create trigger personas_set_updated_at
  before update on public.personas
  for each row execute function private.set_updated_at();

alter table public.personas enable row level security;

create policy "Signed-in users can read active personas"
  on public.personas for select to authenticated
  using (is_active);

revoke all on table public.personas from anon, authenticated;
grant select on table public.personas to authenticated;


create table public.user_persona_relationships (
  id                     uuid primary key default gen_random_uuid(),
  user_id                uuid not null default auth.uid() references public.users (id) on delete cascade,
  -- Restrict: a persona with customisations is retired (is_active = false), never deleted from under users.
  persona_id             uuid not null references public.personas (id) on delete restrict,
  relationship_type      text not null default 'friend',
  nickname               text,
  custom_prompt          text,
  voice_stability        numeric(3, 2),
  voice_similarity_boost numeric(3, 2),
  voice_style            numeric(3, 2),
  voice_speed            numeric(3, 2),
  created_at             timestamptz not null default now(),
  updated_at             timestamptz not null default now(),
  constraint user_persona_relationships_one_per_persona unique (user_id, persona_id),
  -- Target of composite foreign keys that make sure a call uses the caller's own customisation.
  constraint user_persona_relationships_id_user_id_key unique (id, user_id),
  constraint user_persona_relationships_type_valid check (relationship_type in
    ('friend', 'best_friend', 'partner', 'sibling', 'parent', 'grandparent', 'coach', 'mentor', 'colleague',
     'assistant', 'other')),
  constraint user_persona_relationships_nickname_length check (char_length(btrim(nickname)) between 1 and 50),
  constraint user_persona_relationships_custom_prompt_length check (char_length(custom_prompt) <= 2000),
  constraint user_persona_relationships_stability_range check (voice_stability between 0 and 1),
  constraint user_persona_relationships_similarity_boost_range check (voice_similarity_boost between 0 and 1),
  constraint user_persona_relationships_style_range check (voice_style between 0 and 1),
  constraint user_persona_relationships_speed_range check (voice_speed between 0.7 and 1.2)
);
comment on table public.user_persona_relationships is
  'A user''s customisation of a persona: who the persona is to them, what it calls them, extra instructions and '
  'voice settings. One row per user and persona; owned and edited by the user.';
comment on column public.user_persona_relationships.relationship_type is 'Who the persona is to the user (friend, coach, sibling, ...); shapes tone.';
comment on column public.user_persona_relationships.nickname is 'What the persona calls the user on the phone.';
comment on column public.user_persona_relationships.custom_prompt is 'User''s extra instructions appended to the persona prompt (max 2000 characters).';
comment on column public.user_persona_relationships.voice_stability is 'Overrides personas.default_voice_stability when set.';
comment on column public.user_persona_relationships.voice_similarity_boost is 'Overrides personas.default_voice_similarity_boost when set.';
comment on column public.user_persona_relationships.voice_style is 'Overrides personas.default_voice_style when set.';
comment on column public.user_persona_relationships.voice_speed is 'Overrides personas.default_voice_speed when set (0.7-1.2).';

create index user_persona_relationships_persona_id_idx on public.user_persona_relationships (persona_id);

create trigger user_persona_relationships_set_updated_at
  before update on public.user_persona_relationships
  for each row execute function private.set_updated_at();

alter table public.user_persona_relationships enable row level security;

create policy "Users can read their own persona customisations"
  on public.user_persona_relationships for select to authenticated
  using (user_id = (select auth.uid()));

create policy "Users can customise active personas for themselves"
  on public.user_persona_relationships for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and exists (select 1 from public.personas p where p.id = persona_id and p.is_active)
  );

create policy "Users can update their own persona customisations"
  on public.user_persona_relationships for update to authenticated
  using (user_id = (select auth.uid()))
  with check (
    user_id = (select auth.uid())
    and exists (select 1 from public.personas p where p.id = persona_id and p.is_active)
  );

create policy "Users can delete their own persona customisations"
  on public.user_persona_relationships for delete to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.user_persona_relationships from anon, authenticated;
grant select, delete on table public.user_persona_relationships to authenticated;
grant insert (user_id, persona_id, relationship_type, nickname, custom_prompt,
              voice_stability, voice_similarity_boost, voice_style, voice_speed)
  on table public.user_persona_relationships to authenticated;
-- user_id and persona_id are updatable so that upserts work; the policies pin them to the caller and an active persona.
grant update (user_id, persona_id, relationship_type, nickname, custom_prompt,
              voice_stability, voice_similarity_boost, voice_style, voice_speed)
  on table public.user_persona_relationships to authenticated;
