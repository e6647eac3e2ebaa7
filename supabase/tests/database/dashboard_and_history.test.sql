-- The dashboard's aggregates and the history's filters and transcript search: what they count for the signed-in
-- user, that nobody ever sees another user's calls, costs, answer times or search hits through them, and that a
-- visitor cannot call them at all.
begin;
\ir _helpers.psql
select plan(31);

\set ada '''a1111111-1111-4111-8111-111111111111'''
\set bob '''b2222222-2222-4222-8222-222222222222'''
\set brad '''a0000000-0000-4000-8000-000000000001'''

select tests.create_user(:ada, 'ada@example.com');
select tests.create_user(:bob, 'bob@example.com');
-- Ada lives in New York: her days start at 05:00 UTC.
update public.users set timezone = 'America/New_York' where id = :ada;

create function tests.past_call(p_id uuid, p_user uuid, p_days_ago integer, p_status public.call_status,
                                p_seconds integer, p_persona uuid default 'a0000000-0000-4000-8000-000000000001')
returns void language sql as $$
  insert into public.calls (id, user_id, persona_id, mode, status, payment_method, payment_status,
                            max_duration_seconds, duration_seconds, created_at, dialed_at, answered_at, ended_at,
                            end_reason)
  select p_id, p_user, p_persona, 'browser', p_status, 'demo', 'released', 900,
         case when p_status = 'completed' then p_seconds end, t, t,
         case when p_status = 'completed' then t + interval '5 seconds' end,
         t + interval '5 seconds' + make_interval(secs => p_seconds),
         case when p_status = 'completed' then 'user_hung_up' else 'no_answer' end::public.call_end_reason
    from (select date_trunc('day', now() at time zone 'America/New_York') at time zone 'America/New_York'
                 - make_interval(days => p_days_ago) + interval '12 hours' as t) x
$$;

-- The plan Postgres picks for a query, as text.
create function tests.plan_of(p_sql text) returns text language plpgsql as $$
declare r text; plan text := '';
begin
  for r in execute 'explain ' || p_sql loop plan := plan || r || E'\n'; end loop;
  return plan;
end $$;

create function tests.line(p_call uuid, p_user uuid, p_seq integer, p_speaker text, p_text text)
returns void language sql as $$
  insert into public.call_transcript_segments (call_id, user_id, seq, speaker, text, start_ms, end_ms)
  values (p_call, p_user, p_seq, p_speaker, p_text, p_seq * 4000, p_seq * 4000 + 3000)
$$;

-- Ada: two calls today (one answered, 90 s), one 3 days ago (answered, 150 s) with another persona, one 40 days
-- ago (outside the 30 days).
select tests.past_call('ca000000-0000-4000-8000-0000000000a1', :ada, 0, 'completed', 90);
select tests.past_call('ca000000-0000-4000-8000-0000000000a2', :ada, 0, 'no_answer', 0);
select tests.past_call('ca000000-0000-4000-8000-0000000000a3', :ada, 3, 'completed', 150,
                       (select id from public.personas where slug = 'sarah'));
select tests.past_call('ca000000-0000-4000-8000-0000000000a4', :ada, 40, 'completed', 60);
-- Bob: one call today with a transcript that also mentions the marathon.
select tests.past_call('cb000000-0000-4000-8000-0000000000b1', :bob, 0, 'completed', 600);

select tests.line('ca000000-0000-4000-8000-0000000000a1', :ada, 0, 'persona', 'Good morning! Ready for the marathon training?');
select tests.line('ca000000-0000-4000-8000-0000000000a1', :ada, 1, 'user', 'I ran ten kilometres yesterday.');
select tests.line('ca000000-0000-4000-8000-0000000000a3', :ada, 0, 'persona', 'Did you book the dentist?');
select tests.line('cb000000-0000-4000-8000-0000000000b1', :bob, 0, 'user', 'My marathon is on Sunday and I am running it.');

insert into public.call_cost_events (call_id, user_id, service, event_type, duration_seconds, characters, cost_usd, idempotency_key, occurred_at)
values ('ca000000-0000-4000-8000-0000000000a1', :ada, 'twilio', 'voice_minutes', 90, null, 0.02, 'dash-a1-twilio', now()),
       ('ca000000-0000-4000-8000-0000000000a1', :ada, 'deepgram', 'stt_audio', 90, null, 0.01, 'dash-a1-deepgram', now()),
       ('ca000000-0000-4000-8000-0000000000a3', :ada, 'twilio', 'voice_minutes', 150, null, 0.03, 'dash-a3-twilio', now() - interval '3 days'),
       ('ca000000-0000-4000-8000-0000000000a4', :ada, 'twilio', 'voice_minutes', 60, null, 0.50, 'dash-a4-twilio', now() - interval '40 days'),
       ('cb000000-0000-4000-8000-0000000000b1', :bob, 'elevenlabs', 'tts_characters', null, 500, 0.70, 'dash-b1-el', now());

insert into public.call_turn_latencies (call_id, user_id, turn, voice_to_voice_ms)
values ('ca000000-0000-4000-8000-0000000000a1', :ada, 1, 500), ('ca000000-0000-4000-8000-0000000000a1', :ada, 2, 700),
       ('ca000000-0000-4000-8000-0000000000a1', :ada, 3, 900), ('ca000000-0000-4000-8000-0000000000a1', :ada, 4, null),
       ('cb000000-0000-4000-8000-0000000000b1', :bob, 1, 4000);

-- Ada -----------------------------------------------------------------------------------------------------------
select tests.authenticate_as(:ada);

select is((select count(*)::int from public.dashboard_activity(30)), 30, 'Thirty days, one row each, zero days included');
select results_eq(
  $$ select calls::int, connected_calls::int, minutes from public.dashboard_activity(30) where calls > 0 order by day $$,
  $$ values (1, 1, 2.5), (2, 1, 1.5) $$,
  'Calls, connected calls and minutes per day: three days ago and today; the call 40 days ago is outside'
);
select is(
  (select day from public.dashboard_activity(30) order by day desc limit 1),
  (now() at time zone 'America/New_York')::date,
  'The last day is today in the user''s time zone'
);
select results_eq(
  $$ select service, provider_cost_usd, calls::int from public.dashboard_provider_costs(30) order by service $$,
  $$ values ('deepgram'::text, 0.01::numeric, 1), ('twilio', 0.05, 2) $$,
  'Cost by provider sums the last 30 days of the user''s own usage only'
);
select results_eq(
  $$ select call_id, answers::int, median_ms, p90_ms, max_ms from public.dashboard_call_latencies(20) $$,
  $$ values ('ca000000-0000-4000-8000-0000000000a1'::uuid, 3, 700, 900, 900) $$,
  'Latency per call: only calls with answer times, answers without audio left out'
);
select results_eq(
  $$ select id from public.call_history() order by created_at desc $$,
  $$ values ('ca000000-0000-4000-8000-0000000000a1'::uuid), ('ca000000-0000-4000-8000-0000000000a2'::uuid),
            ('ca000000-0000-4000-8000-0000000000a3'::uuid), ('ca000000-0000-4000-8000-0000000000a4'::uuid) $$,
  'Without filters the history is all of the user''s calls'
);
select results_eq(
  $$ select id from public.call_history(p_query => 'marathons') $$,
  $$ values ('ca000000-0000-4000-8000-0000000000a1'::uuid) $$,
  'Transcript search finds the user''s call by a stemmed word, never the other user''s call that says it too'
);
select results_eq(
  $$ select id from public.call_history(p_query => '"ten kilometres" -dentist') $$,
  $$ values ('ca000000-0000-4000-8000-0000000000a1'::uuid) $$,
  'Web search syntax: a phrase and an excluded word'
);
select is_empty(
  $$ select id from public.call_history(p_query => 'sunday') $$,
  'Words only the other user said find nothing'
);
select results_eq(
  $$ select id from public.call_history(p_persona_id => (select id from public.personas where slug = 'sarah')) $$,
  $$ values ('ca000000-0000-4000-8000-0000000000a3'::uuid) $$,
  'Filter by persona'
);
select results_eq(
  $$ select id from public.call_history(p_statuses => array['busy', 'no_answer']::public.call_status[]) $$,
  $$ values ('ca000000-0000-4000-8000-0000000000a2'::uuid) $$,
  'Filter by statuses'
);
select results_eq(
  $$ select id from public.call_history(p_from => (now() at time zone 'America/New_York')::date - 5,
                                        p_to => (now() at time zone 'America/New_York')::date - 1) $$,
  $$ values ('ca000000-0000-4000-8000-0000000000a3'::uuid) $$,
  'Filter by days, both ends included, in the user''s time zone'
);
select results_eq(
  $$ select id from public.call_history(p_query => 'marathon', p_statuses => array['no_answer']::public.call_status[]) $$,
  $$ select null::uuid where false $$,
  'Filters combine with the search'
);
select results_eq(
  $$ select call_id, snippet from public.call_search_snippets('marathon',
       array['ca000000-0000-4000-8000-0000000000a1', 'cb000000-0000-4000-8000-0000000000b1']::uuid[]) $$,
  $$ values ('ca000000-0000-4000-8000-0000000000a1'::uuid, 'Good morning! Ready for the <mark>marathon</mark> training?') $$,
  'The snippet highlights the matched word, and another user''s call id asked for yields nothing'
);

-- The search reads the lines through the text search index with the owner, not line by line under the policy.
-- With four lines Postgres would rather scan; without the owner's plain index and scans discouraged, it shows
-- whether the text search index can serve the search at all (under the policy it cannot: @@ is not leakproof).
reset role;
drop index public.call_transcript_segments_user_id_idx;
set local enable_seqscan = off;
select tests.authenticate_as(:ada);
-- Called the way REST calls it: the arguments come from a row beside the function, not as constants.
select matches(
  tests.plan_of($$ select t0.id from json_to_record('{"p_query": "marathon"}') as _a(p_query text)
                   cross join lateral public.call_history(p_query => _a.p_query) as t0
                   order by t0.created_at desc limit 10 $$),
  'Index Scan on call_transcript_segments_search_idx[^\n]*\n[^\n]*Index Cond: [^\n]*user_id = [^\n]*to_tsvector',
  'call_history searches transcripts through the GIN index, owner and words together'
);
select matches(
  tests.plan_of($$ select count(*) from json_to_record('{"p_query": "marathon"}') as _a(p_query text)
                   cross join lateral public.call_history(p_query => _a.p_query) as t0 $$),
  'hashed SubPlan',
  'The transcripts are searched once per request and the calls probe the matches as a hash, not once per call'
);
set local enable_seqscan = on;
select is(
  (select count(*)::int from search.transcript_lines), 3,
  'The search view holds only the signed-in user''s own lines'
);

select is(
  (select jsonb_build_object('calls', (select sum((a ->> 'calls')::int) from jsonb_array_elements(d -> 'activity') a),
                             'providers', jsonb_array_length(d -> 'providers'),
                             'latest', d -> 'latencies' -> 0 ->> 'call_id', 'has_calls', d -> 'has_calls',
                             'cap', d -> 'budget' -> 'max_monthly_spend_cents')
     from public.dashboard(30, 20) d),
  '{"calls": 3, "providers": 2, "latest": "ca000000-0000-4000-8000-0000000000a1", "has_calls": true, "cap": 10000}'::jsonb,
  'The dashboard''s one answer holds the activity, providers, latencies and budget of the signed-in user'
);
select is((select d ->> 'timezone' from public.dashboard(30, 20) d), 'America/New_York',
          'The dashboard names the signed-in user''s time zone, so the page labels times where the user lives');

-- Bob -----------------------------------------------------------------------------------------------------------
reset role;
select tests.authenticate_as(:bob);
select results_eq(
  $$ select sum(calls)::int, sum(minutes) from public.dashboard_activity(30) $$,
  $$ values (1, 10.0) $$,
  'Another user''s activity counts only their own calls'
);
select results_eq(
  $$ select service, calls::int from public.dashboard_provider_costs(30) $$,
  $$ values ('elevenlabs'::text, 1) $$,
  'Another user''s cost by provider holds only their own usage'
);
select results_eq(
  $$ select call_id from public.dashboard_call_latencies(20) $$,
  $$ values ('cb000000-0000-4000-8000-0000000000b1'::uuid) $$,
  'Another user''s latencies are only their own calls'''
);
select results_eq(
  $$ select id from public.call_history(p_query => 'marathon') $$,
  $$ values ('cb000000-0000-4000-8000-0000000000b1'::uuid) $$,
  'Another user''s search for the same word finds only their own call'
);
select is(
  (select sum((a ->> 'calls')::int)::int from public.dashboard(30, 20) d, jsonb_array_elements(d -> 'activity') a),
  1,
  'Another user''s dashboard counts only their own calls'
);
select is((select d ->> 'timezone' from public.dashboard(30, 20) d), 'UTC',
          'Another user''s dashboard names their own time zone, not the first user''s');
select is_empty(
  $$ select 1 from public.call_search_snippets('marathon', array['ca000000-0000-4000-8000-0000000000a1']::uuid[]) $$,
  'A snippet of someone else''s call is never shown, even when its id is known'
);
select results_eq(
  $$ select call_id from search.transcript_lines $$,
  $$ values ('cb000000-0000-4000-8000-0000000000b1'::uuid) $$,
  'Read directly, the search view gives another user only their own line'
);

-- A visitor -----------------------------------------------------------------------------------------------------
reset role;
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.dashboard_activity(30) $$, '42501', null, 'A visitor cannot read the activity');
select throws_ok($$ select * from public.call_history(p_query => 'marathon') $$, '42501', null, 'A visitor cannot search');
select throws_ok($$ select public.dashboard(30, 20) $$, '42501', null, 'A visitor cannot read a dashboard');
reset role;

select ok(
  (select count(*) = 0 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public' and p.prosecdef
      and p.proname in ('dashboard', 'dashboard_days', 'dashboard_activity', 'dashboard_provider_costs', 'dashboard_call_latencies',
                        'call_history', 'call_search_snippets')),
  'The dashboard and history functions run as the caller, under the tables'' row-level security'
);

select * from finish();
rollback;
