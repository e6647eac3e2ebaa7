-- Persona memory: call summaries and kept facts, written once per call by the relay, read, corrected and deleted by
-- their owner only; memory off stores nothing.
begin;
\ir _helpers.psql
select plan(30);

select tests.create_user('11111111-1111-4111-8111-111111111111', 'ada@example.com');
select tests.create_user('22222222-2222-4222-8222-222222222222', 'bob@example.com');

-- Brad and Sarah calls for Ada, one Brad call for Bob (demo payment: no money moves).
insert into public.calls (id, user_id, persona_id, mode, payment_method, max_duration_seconds, status)
values ('c0000000-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001', 'browser', 'demo', 300, 'in_progress'),
       ('c0000000-0000-4000-8000-000000000002', '11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001', 'browser', 'demo', 300, 'in_progress'),
       ('c0000000-0000-4000-8000-000000000003', '11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000002', 'browser', 'demo', 300, 'in_progress'),
       ('c0000000-0000-4000-8000-000000000004', '22222222-2222-4222-8222-222222222222', 'a0000000-0000-4000-8000-000000000001', 'browser', 'demo', 300, 'in_progress');

-- Recording ---------------------------------------------------------------------------------------------------
select is(
  private.record_call_summary('c0000000-0000-4000-8000-000000000001', '  Ada told Brad about her sister.  ', array['sister: Ana', ' job: nurse ', '']),
  'stored', 'A summary with its facts is stored (memory is on without a customisation row)');
select is((select summary from public.calls where id = 'c0000000-0000-4000-8000-000000000001'),
  'Ada told Brad about her sister.', 'The summary is kept on the call, trimmed');
select results_eq(
  $$ select kind, text from public.persona_memories where user_id = '11111111-1111-4111-8111-111111111111' order by kind, text $$,
  $$ values ('fact', 'job: nurse'), ('fact', 'sister: Ana'), ('summary', 'Ada told Brad about her sister.') $$,
  'The summary and the non-empty facts become memories of Brad');
select is(
  private.record_call_summary('c0000000-0000-4000-8000-000000000001', 'Another summary.', array['dog: Rex']),
  'already_stored', 'A call is summarised once, however often the relay reports it');
select is((select count(*)::int from public.persona_memories where call_id = 'c0000000-0000-4000-8000-000000000001'), 3,
  'A repeated report adds nothing');

select is(
  private.record_call_summary('c0000000-0000-4000-8000-000000000002', 'Ada mentioned her sister again.', array['Sister: Maria']),
  'stored', 'A later call is stored too');
select results_eq(
  $$ select text from public.persona_memories where user_id = '11111111-1111-4111-8111-111111111111' and kind = 'fact' order by text $$,
  $$ values ('Sister: Maria'), ('job: nurse') $$,
  'A new fact on the same topic replaces the old one');
select is(private.record_call_summary('c0000000-0000-4000-8000-000000000003', '   ', array['x: y']), 'empty',
  'An empty summary stores nothing');
select is(private.record_call_summary('c0000000-0000-4000-8000-0000000000ff', 'x', null), 'unknown_call', 'An unknown call is reported');

-- Memory off --------------------------------------------------------------------------------------------------
insert into public.user_persona_relationships (user_id, persona_id, memory_enabled)
values ('11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000002', false);
select is(
  private.record_call_summary('c0000000-0000-4000-8000-000000000003', 'Ada talked to Sarah.', array['cat: Tom']),
  'memory_off', 'With memory off for the persona nothing is stored');
select ok((select summary is null from public.calls where id = 'c0000000-0000-4000-8000-000000000003'), 'Not even the call''s summary');
select is_empty($$ select 1 from public.persona_memories where persona_id = 'a0000000-0000-4000-8000-000000000002' $$,
  'Nor any memory of that persona');

-- Owner access ------------------------------------------------------------------------------------------------
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select is((select count(*)::int from public.persona_memories), 4, 'The owner reads what Brad remembers about them');
select lives_ok(
  $$ update public.persona_memories set text = 'job: doctor' where text = 'job: nurse' $$, 'The owner corrects a memory');
select is((select count(*)::int from public.persona_memories where text = 'job: doctor'), 1, 'The correction is kept');
select throws_ok(
  $$ update public.persona_memories set kind = 'summary' where text = 'job: doctor' $$, '42501', null,
  'Only the text of a memory can be changed');
select throws_ok(
  $$ update public.persona_memories set user_id = '22222222-2222-4222-8222-222222222222' $$, '42501', null,
  'A memory cannot be handed to someone else');
select throws_ok(
  $$ update public.persona_memories set text = repeat('x', 201) where text = 'job: doctor' $$, '23514', null,
  'A fact longer than 200 characters is refused');
select throws_ok(
  $$ update public.persona_memories set text = '  ' where text = 'job: doctor' $$, '23514', null,
  'A memory cannot be blanked (delete it instead)');
select throws_ok(
  $$ insert into public.persona_memories (user_id, persona_id, kind, text)
     values ('11111111-1111-4111-8111-111111111111', 'a0000000-0000-4000-8000-000000000001', 'fact', 'planted: yes') $$,
  '42501', null, 'Users cannot write memories themselves (only the relay does, after a call)');
select lives_ok(
  $$ delete from public.persona_memories where text = 'job: doctor' $$, 'The owner deletes a memory');
select is((select count(*)::int from public.persona_memories where kind = 'fact'), 1, 'It is gone');
select lives_ok(
  $$ update public.user_persona_relationships set memory_enabled = true where persona_id = 'a0000000-0000-4000-8000-000000000002' $$,
  'The owner turns memory back on for a persona');
select throws_ok($$ select private.record_call_summary('c0000000-0000-4000-8000-000000000004', 'x', null) $$, '42501', null,
  'Users cannot call the recording function');

-- Another user and anon ---------------------------------------------------------------------------------------
reset role;
select is(private.record_call_summary('c0000000-0000-4000-8000-000000000004', 'Bob said hello.', array['name: Bob']), 'stored',
  'Bob''s call is stored');
select tests.authenticate_as('22222222-2222-4222-8222-222222222222');
select is((select count(*)::int from public.persona_memories), 2, 'Another user sees only their own memories');
select is_empty($$ update public.persona_memories set text = 'hacked' where user_id = '11111111-1111-4111-8111-111111111111' returning 1 $$,
  'Another user cannot change someone''s memories');
select is_empty($$ delete from public.persona_memories where user_id = '11111111-1111-4111-8111-111111111111' returning 1 $$,
  'Another user cannot delete someone''s memories');
reset role;
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.persona_memories $$, '42501', null, 'anon cannot read memories');
reset role;
select is((select count(*)::int from public.persona_memories where user_id = '11111111-1111-4111-8111-111111111111'), 3,
  'Ada''s memories are untouched by the others');

select * from finish();
rollback;
