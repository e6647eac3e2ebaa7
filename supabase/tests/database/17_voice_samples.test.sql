-- Voice samples: the cache and the per-user synthesis counts are service-only (nothing reachable by anon or
-- signed-in users, not even through their own rows), and the allowance counts strictly per user and window.
begin;
\ir _helpers.psql
select plan(21);

\set ada '''a7111111-1111-4111-8111-111111111111'''
\set bob '''b7111111-1111-4111-8111-111111111111'''
select tests.create_user(:ada, 'ada-voice@example.com');
select tests.create_user(:bob, 'bob-voice@example.com');

\set key '''aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'''
insert into private.voice_samples (cache_key, voice_id, model_id, content_type, audio, characters)
values (:key, 'TxGEqnHWrfWFTfGW9XjX', 'eleven_flash_v2_5', 'audio/wav', '\x52494646'::bytea, 40);

-- Placement and privileges ----------------------------------------------------------------------------------
select has_table('private', 'voice_samples', 'The sample cache lives in the private schema');
select has_table('private', 'voice_sample_syntheses', 'The synthesis counts live in the private schema');
select hasnt_table('public', 'voice_samples', 'The sample cache is not in public (not exposed through the API)');

select is_empty(
  $$ select r || ' ' || t from unnest(array['anon', 'authenticated']) r,
            unnest(array['private.voice_samples', 'private.voice_sample_syntheses']) t
     where has_table_privilege(r, t, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') $$,
  'anon and authenticated hold no privilege on either table'
);
select ok(
  not has_function_privilege('anon', 'private.take_voice_sample_synthesis(uuid, text, integer, interval)', 'EXECUTE')
  and not has_function_privilege('authenticated', 'private.take_voice_sample_synthesis(uuid, text, integer, interval)', 'EXECUTE'),
  'anon and authenticated cannot take syntheses'
);
select ok(
  has_table_privilege('service_role', 'private.voice_samples', 'SELECT, INSERT')
  and has_function_privilege('service_role', 'private.take_voice_sample_synthesis(uuid, text, integer, interval)', 'EXECUTE'),
  'The service role can read and fill the cache and take syntheses'
);

-- As a signed-in user: no reading, writing or emptying the cache or the counts --------------------------------
select tests.authenticate_as(:ada);
select matches(tests.error_of($$ select count(*) from private.voice_samples $$), '^42501 ',
  'A signed-in user cannot read the cache');
select matches(tests.error_of($$ insert into private.voice_samples (cache_key, voice_id, model_id, content_type, audio, characters)
                                 values (repeat('b', 64), 'v', 'm', 'audio/wav', '\x00'::bytea, 1) $$), '^42501 ',
  'A signed-in user cannot plant audio in the cache');
select matches(tests.error_of($$ delete from private.voice_samples $$), '^42501 ',
  'A signed-in user cannot empty the cache');
select matches(tests.error_of($$ select count(*) from private.voice_sample_syntheses $$), '^42501 ',
  'A signed-in user cannot read the synthesis counts');
select matches(tests.error_of($$ delete from private.voice_sample_syntheses $$), '^42501 ',
  'A signed-in user cannot wipe their synthesis count');
select matches(tests.error_of($$ select private.take_voice_sample_synthesis(auth.uid(), repeat('c', 64), 20, interval '1 hour') $$),
  '^42501 ', 'A signed-in user cannot call the allowance function');
reset role;

select tests.authenticate_as_anon();
select matches(tests.error_of($$ select count(*) from private.voice_samples $$), '^42501 ',
  'A visitor cannot read the cache');
select matches(tests.error_of($$ insert into private.voice_sample_syntheses (user_id, cache_key) values (gen_random_uuid(), 'x') $$),
  '^42501 ', 'A visitor cannot write the synthesis counts');
reset role;

-- The allowance, as the service -----------------------------------------------------------------------------
set local role service_role;
select is(
  (select array_agg(private.take_voice_sample_synthesis(:ada, repeat('d', 64), 3, interval '1 hour') order by n)
     from generate_series(1, 4) n),
  array[true, true, true, false],
  'Three syntheses are allowed in the window, the fourth is refused'
);
select is((select count(*)::int from private.voice_sample_syntheses where user_id = :ada), 3,
  'A refused synthesis is not counted');
select ok(private.take_voice_sample_synthesis(:bob, repeat('d', 64), 3, interval '1 hour'),
  'Another user has their own allowance');
reset role;
update private.voice_sample_syntheses set created_at = now() - interval '2 hours' where user_id = :ada;
set local role service_role;
select ok(private.take_voice_sample_synthesis(:ada, repeat('d', 64), 3, interval '1 hour'),
  'Syntheses older than the window no longer count');
reset role;

-- Shape of the cache rows and housekeeping --------------------------------------------------------------------
select matches(tests.error_of($$ insert into private.voice_samples (cache_key, voice_id, model_id, content_type, audio, characters)
                                 values ('not-a-hash', 'v', 'm', 'audio/wav', '\x00'::bytea, 1) $$),
  '^23514 ', 'A cache key must be a hex SHA-256');
select matches(tests.error_of($$ insert into private.voice_samples (cache_key, voice_id, model_id, content_type, audio, characters)
                                 values (repeat('e', 64), 'v', 'm', 'text/html', '\x00'::bytea, 1) $$),
  '^23514 ', 'Only audio content types are cached');
select is((select count(*)::int from cron.job where jobname = 'purge-voice-samples'), 1,
  'Old samples and counts are purged by a scheduled job');

select * from finish();
rollback;
