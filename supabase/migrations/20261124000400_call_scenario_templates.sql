-- What a call is about: built-in scenarios (user_id null) and the user's own.

create table public.call_scenario_templates (
  id                           uuid primary key default gen_random_uuid(),
  user_id                      uuid default auth.uid() references public.users (id) on delete cascade,
  slug                         text,
  name                         text not null,
  description                  text not null default '',
  prompt                       text not null,
  opening_line                 text,
  default_max_duration_seconds integer not null default 300,
  is_active                    boolean not null default true,
  sort_order                   integer not null default 0,
  created_at                   timestamptz not null default now(),
  updated_at                   timestamptz not null default now(),
  constraint call_scenario_templates_builtin_has_slug check (user_id is not null or slug is not null),
  constraint call_scenario_templates_slug_shape check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and char_length(slug) <= 40),
  constraint call_scenario_templates_name_length check (char_length(btrim(name)) between 1 and 80),
  constraint call_scenario_templates_description_length check (char_length(description) <= 500),
  constraint call_scenario_templates_prompt_length check (char_length(btrim(prompt)) between 1 and 4000),
  constraint call_scenario_templates_opening_line_length check (char_length(btrim(opening_line)) between 1 and 300),
  constraint call_scenario_templates_max_duration_range check (default_max_duration_seconds between 30 and 3600)
);
comment on table public.call_scenario_templates is
  'Call scenarios (wake-up call, escape a bad date, interview practice, ...). Rows with user_id null are built-in '
  'and read-only for users; users create, edit and delete their own.';
comment on column public.call_scenario_templates.user_id is 'Owner; null for built-in templates seeded by admins.';
comment on column public.call_scenario_templates.slug is 'Stable handle for built-in templates (e.g. wake-up-call); unique among built-ins.';
comment on column public.call_scenario_templates.prompt is 'Scenario instructions appended to the persona prompt for the LLM.';
comment on column public.call_scenario_templates.opening_line is 'Optional first sentence the persona says when the call connects.';
comment on column public.call_scenario_templates.default_max_duration_seconds is 'Suggested call length cap (30-3600 s); budgets may cut it shorter.';
comment on column public.call_scenario_templates.is_active is 'Inactive templates are hidden from the picker but kept for call history.';

create unique index call_scenario_templates_builtin_slug_key
  on public.call_scenario_templates (slug) where user_id is null;
create index call_scenario_templates_user_id_idx
  on public.call_scenario_templates (user_id) where user_id is not null;

create trigger call_scenario_templates_set_updated_at
  before update on public.call_scenario_templates
  for each row execute function private.set_updated_at();

alter table public.call_scenario_templates enable row level security;

create policy "Users can read built-in and their own scenario templates"
  on public.call_scenario_templates for select to authenticated
  using (user_id is null or user_id = (select auth.uid()));

create policy "Users can create their own scenario templates"
  on public.call_scenario_templates for insert to authenticated
  with check (user_id = (select auth.uid()));

create policy "Users can update their own scenario templates"
  on public.call_scenario_templates for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

create policy "Users can delete their own scenario templates"
  on public.call_scenario_templates for delete to authenticated
  using (user_id = (select auth.uid()));

revoke all on table public.call_scenario_templates from anon, authenticated;
grant select, delete on table public.call_scenario_templates to authenticated;
-- slug is reserved for built-ins; the rest is the user's to write.
grant insert (id, user_id, name, description, prompt, opening_line, default_max_duration_seconds, is_active, sort_order)
  on table public.call_scenario_templates to authenticated;
grant update (user_id, name, description, prompt, opening_line, default_max_duration_seconds, is_active, sort_order)
  on table public.call_scenario_templates to authenticated;
