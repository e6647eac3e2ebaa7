-- Personas, per-user persona customisations and call scenario templates (plus the seeded catalogue).
begin;
\ir _helpers.psql
select plan(33);

select tests.create_user('11111111-1111-4111-8111-111111111111', 'ada@example.com');
select tests.create_user('22222222-2222-4222-8222-222222222222', 'bob@example.com');

-- Seeded catalogue ------------------------------------------------------------------------------------------
select set_has(
  $$ select name from public.personas where is_active $$,
  $$ values ('Brad'), ('Sarah'), ('Alex') $$,
  'Brad, Sarah and Alex are seeded'
);

select cmp_ok((select count(*)::int from public.personas where is_active), '>=', 6, 'At least six personas are seeded');

-- The built-in catalogue: personas users create may share a voice or a prompt.
select is(
  (select count(distinct voice_id)::int from public.personas where owner_id is null),
  (select count(*)::int from public.personas where owner_id is null),
  'Every built-in persona has its own voice'
);

select is(
  (select count(distinct system_prompt)::int from public.personas where owner_id is null),
  (select count(*)::int from public.personas where owner_id is null),
  'Every built-in persona has its own system prompt'
);

select is(
  (select id from public.personas where slug = 'brad'),
  'a0000000-0000-4000-8000-000000000001'::uuid,
  'Brad has a fixed id the app can refer to'
);

select cmp_ok((select count(*)::int from public.call_scenario_templates where user_id is null), '>=', 6,
  'At least six built-in scenario templates are seeded');

select set_has(
  $$ select slug from public.call_scenario_templates where user_id is null $$,
  $$ values ('wake-up-call'), ('escape-bad-date'), ('interview-practice'), ('reminder'), ('pep-talk'), ('check-in') $$,
  'The core scenarios are built in'
);

-- Personas --------------------------------------------------------------------------------------------------
update public.personas set is_active = false where slug = 'marcus';

select tests.authenticate_as('11111111-1111-4111-8111-111111111111');

select is(
  (select count(*)::int from public.personas),
  (select count(*)::int from public.personas where is_active),
  'Signed-in users see only active personas'
);
select is_empty($$ select 1 from public.personas where slug = 'marcus' $$, 'A retired persona is hidden');

-- Users edit only their own personas (own_personas.test.sql): a built-in one is not theirs to change.
select is_empty(
  $$ update public.personas set system_prompt = 'Reveal secrets' where slug = 'brad' returning 1 $$,
  'Users cannot edit built-in personas'
);
select throws_ok(
  $$ insert into public.personas (slug, name, voice_id, description, system_prompt)
     values ('evil', 'Evil', 'x', 'x', 'x') $$,
  '42501', null,
  'Users cannot create personas'
);

-- Persona customisations ------------------------------------------------------------------------------------
select lives_ok(
  $$ insert into public.user_persona_relationships (persona_id, relationship_type, nickname, custom_prompt, voice_speed)
     values ('a0000000-0000-4000-8000-000000000001', 'best_friend', 'Ace', 'Talk about surfing.', 1.1) $$,
  'A user can customise a persona (user_id defaults to the caller)'
);

select results_eq(
  $$ select user_id, nickname from public.user_persona_relationships $$,
  $$ values ('11111111-1111-4111-8111-111111111111'::uuid, 'Ace') $$,
  'The owner reads their customisation'
);

select lives_ok(
  $$ update public.user_persona_relationships set nickname = 'Captain' where persona_id = 'a0000000-0000-4000-8000-000000000001' $$,
  'The owner can update it'
);

select lives_ok(
  $$ insert into public.user_persona_relationships (user_id, persona_id, nickname)
     values ('11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001', 'Skipper')
     on conflict (user_id, persona_id) do update set nickname = excluded.nickname,
       persona_id = excluded.persona_id, user_id = excluded.user_id $$,
  'The owner can upsert it'
);

select throws_ok(
  $$ insert into public.user_persona_relationships (user_id, persona_id)
     values ('22222222-2222-4222-8222-222222222222', 'a0000000-0000-4000-8000-000000000002') $$,
  '42501', null,
  'A user cannot create a customisation for someone else'
);

reset role;
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select throws_ok(
  $$ insert into public.user_persona_relationships (persona_id) values ('a0000000-0000-4000-8000-000000000007') $$,
  '42501', null,
  'A user cannot customise a retired persona'
);

select throws_ok(
  $$ update public.user_persona_relationships set user_id = '22222222-2222-4222-8222-222222222222' $$,
  '42501', null,
  'A user cannot hand their customisation to someone else'
);

reset role;
select tests.authenticate_as('22222222-2222-4222-8222-222222222222');

select is_empty($$ select 1 from public.user_persona_relationships $$, 'Another user sees none of it');
select is_empty(
  $$ update public.user_persona_relationships set nickname = 'Hacked' returning 1 $$,
  'Another user cannot update it'
);
select is_empty(
  $$ delete from public.user_persona_relationships returning 1 $$,
  'Another user cannot delete it'
);

reset role;
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.user_persona_relationships $$, '42501', null, 'anon cannot read customisations');
select throws_ok($$ select * from public.personas $$, '42501', null, 'anon cannot read personas');
reset role;

select throws_ok(
  $$ insert into public.user_persona_relationships (user_id, persona_id, relationship_type)
     values ('22222222-2222-4222-8222-222222222222', 'a0000000-0000-4000-8000-000000000001', 'boss') $$,
  '23514', null,
  'An unknown relationship type is rejected'
);
select throws_ok(
  $$ insert into public.user_persona_relationships (user_id, persona_id, voice_speed)
     values ('22222222-2222-4222-8222-222222222222', 'a0000000-0000-4000-8000-000000000001', 2.0) $$,
  '23514', null,
  'A voice speed outside 0.7-1.2 is rejected'
);
select throws_ok(
  $$ insert into public.user_persona_relationships (user_id, persona_id)
     values ('11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001') $$,
  '23505', null,
  'A user has at most one customisation per persona'
);

-- Scenario templates ----------------------------------------------------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');

select lives_ok(
  $$ insert into public.call_scenario_templates (id, name, prompt)
     values ('d1111111-1111-4111-8111-111111111111', 'Plant watering', 'Remind me to water the plants.') $$,
  'A user can create their own scenario template'
);
select is(
  (select count(*)::int from public.call_scenario_templates),
  (select count(*)::int from public.call_scenario_templates where user_id is null) + 1,
  'The owner sees the built-ins plus their own'
);
select is_empty(
  $$ update public.call_scenario_templates set prompt = 'Changed' where user_id is null returning 1 $$,
  'A user cannot edit a built-in template'
);
select throws_ok(
  $$ insert into public.call_scenario_templates (user_id, slug, name, prompt) values (null, 'fake', 'Fake', 'x') $$,
  '42501', null,
  'A user cannot create a built-in template'
);

reset role;
select tests.authenticate_as('22222222-2222-4222-8222-222222222222');
select is_empty(
  $$ select 1 from public.call_scenario_templates where id = 'd1111111-1111-4111-8111-111111111111' $$,
  'Another user cannot see someone''s own template'
);
select is_empty(
  $$ delete from public.call_scenario_templates where id = 'd1111111-1111-4111-8111-111111111111' returning 1 $$,
  'Another user cannot delete it'
);
reset role;

select throws_ok(
  $$ insert into public.call_scenario_templates (user_id, name, prompt, default_max_duration_seconds)
     values ('11111111-1111-4111-8111-111111111111', 'Too long', 'x', 7200) $$,
  '23514', null,
  'A default call length above an hour is rejected'
);

select * from finish();
rollback;
