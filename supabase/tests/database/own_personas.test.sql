-- Personas and scenarios a user writes: private to the owner, limited in number, deleted softly (call history
-- keeps the persona's name), and never the service's own text.
begin;
\ir _helpers.psql
select plan(37);

select tests.create_user('11111111-1111-4111-8111-111111111111', 'ada@example.com');
select tests.create_user('22222222-2222-4222-8222-222222222222', 'bob@example.com');
select tests.verify_phone('11111111-1111-4111-8111-111111111111', '+14155550101');
select tests.verify_phone('22222222-2222-4222-8222-222222222222', '+14155550202');

-- Allow: the owner creates, reads, edits ------------------------------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');

select lives_ok(
  $$ insert into public.personas (id, name, voice_id, description, traits, system_prompt)
     values ('f1111111-1111-4111-8111-111111111111', 'Nova', '21m00Tcm4TlvDq8ikWAM', 'calm, witty', '{calm,witty}',
             'A calm astronaut who loves puns.') $$,
  'A user can create a persona of their own (owner_id defaults to the caller)'
);
select results_eq(
  $$ select owner_id, slug, is_active, sort_order from public.personas where id = 'f1111111-1111-4111-8111-111111111111' $$,
  $$ values ('11111111-1111-4111-8111-111111111111'::uuid, 'own-f111111111114111', true, 1000) $$,
  'It gets its owner, a slug of its own and a place after the built-in personas'
);
select ok(
  (select count(*) from public.personas where owner_id is null) >= 6,
  'The owner still sees the built-in catalogue'
);
select lives_ok(
  $$ update public.personas set name = 'Nova Star', traits = '{calm}', system_prompt = 'A calm astronaut.'
      where id = 'f1111111-1111-4111-8111-111111111111' $$,
  'The owner can edit it'
);
select is((select name from public.personas where id = 'f1111111-1111-4111-8111-111111111111'), 'Nova Star', 'The edit is saved');
select lives_ok(
  $$ insert into public.user_persona_relationships (persona_id, nickname) values ('f1111111-1111-4111-8111-111111111111', 'Ace') $$,
  'The owner can customise it like a built-in persona'
);
select lives_ok(
  $$ insert into public.scheduled_calls (persona_id, phone_number_id, scheduled_time, timezone, local_time)
     select 'f1111111-1111-4111-8111-111111111111', id, now() + interval '1 day', 'UTC', '07:00'
       from public.user_phone_numbers where phone_number = '+14155550101' $$,
  'The owner can book a scheduled call with it'
);

-- Deny: columns and rows the owner may not set --------------------------------------------------------------
select throws_ok(
  $$ insert into public.personas (owner_id, name, voice_id, description, system_prompt)
     values ('22222222-2222-4222-8222-222222222222', 'Fake', '21m00Tcm4TlvDq8ikWAM', 'x', 'x') $$,
  '42501', null,
  'A user cannot create a persona for someone else'
);
select throws_ok(
  $$ insert into public.personas (slug, name, voice_id, description, system_prompt) values ('brad2', 'B', 'x', 'x', 'x') $$,
  '42501', null,
  'A user cannot choose the slug'
);
select throws_ok(
  $$ update public.personas set is_active = true where id = 'f1111111-1111-4111-8111-111111111111' $$,
  '42501', null,
  'A user cannot write is_active directly'
);
select is_empty(
  $$ update public.personas set name = 'Mine now' where slug = 'brad' returning 1 $$,
  'A user cannot edit a built-in persona'
);
select throws_ok(
  $$ insert into public.personas (name, voice_id, description, system_prompt)
     values ('Long', '21m00Tcm4TlvDq8ikWAM', 'x', repeat('x', 2001)) $$,
  '23514', null,
  'An own persona''s prompt is at most 2,000 characters'
);
select throws_ok(
  $$ insert into public.personas (name, voice_id, description, traits, system_prompt)
     values ('Many', '21m00Tcm4TlvDq8ikWAM', 'x', '{a,b,c,d,e,f,g,h,i}', 'x') $$,
  '23514', null,
  'An own persona has at most eight traits'
);

-- Deny: another user sees and touches none of it -------------------------------------------------------------
reset role;
select tests.authenticate_as('22222222-2222-4222-8222-222222222222');
select is_empty($$ select 1 from public.personas where owner_id is not null $$, 'Another user cannot see it');
select is_empty(
  $$ update public.personas set name = 'Hacked' where id = 'f1111111-1111-4111-8111-111111111111' returning 1 $$,
  'Another user cannot edit it'
);
select is_empty(
  $$ update public.personas set deleted_at = now() where id = 'f1111111-1111-4111-8111-111111111111' returning 1 $$,
  'Another user cannot delete it'
);
select throws_ok(
  $$ insert into public.user_persona_relationships (persona_id) values ('f1111111-1111-4111-8111-111111111111') $$,
  '42501', null,
  'Another user cannot customise it'
);
select throws_ok(
  $$ insert into public.scheduled_calls (persona_id, phone_number_id, scheduled_time, timezone, local_time)
     select 'f1111111-1111-4111-8111-111111111111', id, now() + interval '1 day', 'UTC', '07:00'
       from public.user_phone_numbers where phone_number = '+14155550202' $$,
  '42501', null,
  'Another user cannot book a call with it'
);
reset role;
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.personas $$, '42501', null, 'A visitor cannot read personas');
reset role;

-- Delete keeps call history ----------------------------------------------------------------------------------
insert into public.calls (id, user_id, persona_id, mode, payment_method, max_duration_seconds)
values ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111',
        'f1111111-1111-4111-8111-111111111111', 'browser', 'demo', 60);
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select throws_ok(
  $$ delete from public.personas where id = 'f1111111-1111-4111-8111-111111111111' $$,
  '42501', null,
  'A persona is never deleted outright (calls point at it)'
);
select lives_ok(
  $$ update public.personas set deleted_at = now() where id = 'f1111111-1111-4111-8111-111111111111' $$,
  'The owner deletes it by stamping deleted_at'
);
select is(
  (select is_active from public.personas where id = 'f1111111-1111-4111-8111-111111111111'), false,
  'A deleted persona is inactive, so it can no longer be picked or called'
);
select results_eq(
  $$ select p.name from public.calls c join public.personas p on p.id = c.persona_id
      where c.id = 'c1111111-1111-4111-8111-111111111111' $$,
  $$ values ('Nova Star') $$,
  'The owner still reads its name in their call history'
);
select is_empty(
  $$ update public.personas set deleted_at = null where id = 'f1111111-1111-4111-8111-111111111111' returning 1 $$,
  'A deleted persona cannot be brought back or edited'
);
select throws_ok(
  $$ insert into public.user_persona_relationships (persona_id, nickname) values ('f1111111-1111-4111-8111-111111111111', 'Ace')
     on conflict (user_id, persona_id) do update set nickname = 'Again' $$,
  '42501', null,
  'A deleted persona cannot be customised any more'
);
reset role;
select is(
  tests.error_of($$ update public.personas set name = 'Back' where id = 'f1111111-1111-4111-8111-111111111111' $$),
  'P0001 persona_deleted: This persona was deleted, so it cannot be changed. Create a new one instead.',
  'Not even the service edits a deleted persona'
);

-- Limit: 20 own personas per account (deleted ones do not count) ----------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select lives_ok(
  $$ insert into public.personas (name, voice_id, description, system_prompt)
     select 'P' || i, '21m00Tcm4TlvDq8ikWAM', 'x', 'x' from generate_series(1, 20) i $$,
  'A user can have 20 personas of their own (the deleted one does not count)'
);
select is(
  tests.error_of($$ insert into public.personas (name, voice_id, description, system_prompt)
                    values ('P21', '21m00Tcm4TlvDq8ikWAM', 'x', 'x') $$),
  'P0001 persona_limit_reached: You already have 20 personas of your own, the most one account may have. Delete one you no longer use, then save this one.',
  'The 21st is refused with a stable code and a sentence'
);
select lives_ok(
  $$ update public.personas set deleted_at = now() where name = 'P1' $$,
  'Deleting one makes room'
);
select lives_ok(
  $$ insert into public.personas (name, voice_id, description, system_prompt) values ('P21', '21m00Tcm4TlvDq8ikWAM', 'x', 'x') $$,
  'After a delete a new one fits'
);
reset role;
select tests.authenticate_as('22222222-2222-4222-8222-222222222222');
select lives_ok(
  $$ insert into public.personas (name, voice_id, description, system_prompt) values ('Bob''s', '21m00Tcm4TlvDq8ikWAM', 'x', 'x') $$,
  'The limit is per account'
);

-- Own scenarios: private, editable, limited ---------------------------------------------------------------------
select lives_ok(
  $$ insert into public.call_scenario_templates (id, name, prompt) values ('d2222222-2222-4222-8222-222222222222', 'Gym', 'Get me to the gym.') $$,
  'A user can write a scenario'
);
select lives_ok(
  $$ update public.call_scenario_templates set name = 'Gym nudge' where id = 'd2222222-2222-4222-8222-222222222222' $$,
  'and edit it'
);
select is_empty(
  $$ update public.call_scenario_templates set name = 'Mine' where user_id is null returning 1 $$,
  'Built-in scenarios stay read-only'
);
reset role;
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select is_empty(
  $$ update public.call_scenario_templates set name = 'Hacked' where id = 'd2222222-2222-4222-8222-222222222222' returning 1 $$,
  'Another user cannot edit it'
);
reset role;
update private.own_content_limits set max_scenarios_per_user = 1;
select tests.authenticate_as('22222222-2222-4222-8222-222222222222');
select is(
  tests.error_of($$ insert into public.call_scenario_templates (name, prompt) values ('Second', 'x') $$),
  'P0001 scenario_limit_reached: You already have 1 scenarios of your own, the most one account may have. Delete one you no longer use, then save this one.',
  'Scenarios are limited per account with a stable code'
);
reset role;

select lives_ok(
  $$ delete from auth.users where id = '11111111-1111-4111-8111-111111111111' $$,
  'Deleting an account takes its own personas with it, calls and customisations included'
);

select * from finish();
rollback;
