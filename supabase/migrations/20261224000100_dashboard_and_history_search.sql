-- The signed-in home (dashboard) and a call history that scales: everything is aggregated or searched here, in
-- Postgres, and read through the caller's own row-level security.
--
--   dashboard_activity(p_days)         calls and minutes per day over the last p_days days (the user's time zone)
--   dashboard_provider_costs(p_days)   what each provider's part of those days' calls cost and was charged
--   dashboard_call_latencies(p_limit)  voice-to-voice latency of the most recent calls that have answer times
--   dashboard(p_days, p_limit)         all of the above and budget_status() in one JSON answer, for the page
--   call_history(...)                  the user's calls filtered by persona, statuses, days and transcript words
--   call_search_snippets(q, ids)       for a page of calls, the transcript line that matched, words highlighted
--
-- The spend this month against the monthly cap is budget_status(), which the budget page already reads.
--
-- All are security invoker: they run as the signed-in user, so the tables' policies apply on top of the explicit
-- user_id = auth.uid() conditions (which are there for the indexes). Transcript lines are the exception, read
-- through search.transcript_lines (below) so that the text search index can be used. The functions do not pin
-- search_path (every name is qualified) so that the planner can inline call_history into the query PostgREST wraps
-- around it: its ORDER BY, LIMIT and count then use the calls index instead of sorting every call the user made.

create extension if not exists btree_gin with schema extensions;

-- Transcript search: one GIN index on the owner and the line's English text search vector. An expression index
-- rather than a stored tsvector column: the table is published to realtime, and a stored vector would travel with
-- every transcript line to the live call page. The owner as the index's first column keeps one user's search from
-- walking other users' matches (btree_gin makes uuid indexable by GIN).
create index call_transcript_segments_search_idx on public.call_transcript_segments
  using gin (user_id, (to_tsvector('english'::regconfig, text)));

-- Row-level security and this index do not mix: the policy's condition is a security barrier, and a condition of the
-- query may only be checked inside the index before it when its operator is leakproof, which text search's @@ is
-- not. Under RLS Postgres reads every line of the user and runs to_tsvector on each (seconds at 100,000 lines). So
-- the search reads the lines through this view instead: it runs with its owner's rights (no RLS) and applies the
-- same rule itself, user_id = auth.uid(), so both conditions go into the index together. The view lives in a schema
-- the REST API does not expose; only the functions below read it, and a caller still sees only their own lines.
create schema if not exists search;
comment on schema search is
  'Owner-filtered read paths for text search, read by public.call_history and public.call_search_snippets; not '
  'exposed through the REST API.';
create view search.transcript_lines as
select s.call_id, s.user_id, s.seq, s.speaker, s.text
  from public.call_transcript_segments s
 where s.user_id = (select auth.uid());
comment on view search.transcript_lines is
  'The signed-in user''s transcript lines, filtered by the view itself rather than by row-level security, so that a '
  'text search condition can use call_transcript_segments_search_idx together with the owner.';
revoke all on schema search from public, anon;
revoke all on table search.transcript_lines from public, anon, authenticated;
grant usage on schema search to authenticated, service_role;
grant select on table search.transcript_lines to authenticated, service_role;

-- Cost by provider over a span of days reads the user's cost events by time; the covering columns make it an
-- index-only scan.
create index call_cost_events_user_occurred_idx on public.call_cost_events (user_id, occurred_at)
  include (service, cost_usd, calculated_cost_cents, call_id);


-- The first day of the span, midnight in the user's time zone, and the days in it.
create function public.dashboard_days(p_days integer default 30)
returns table (day date, day_start timestamptz, day_end timestamptz)
language sql
stable
as $$
  with me as (
    select u.timezone, pg_catalog.timezone(u.timezone, pg_catalog.now())::date as today
      from public.users u where u.id = (select auth.uid())
  )
  select d::date, pg_catalog.timezone(me.timezone, d), pg_catalog.timezone(me.timezone, d + interval '1 day')
    from me,
         pg_catalog.generate_series(me.today - (least(greatest(coalesce(p_days, 30), 1), 366) - 1), me.today,
                                    interval '1 day') d
$$;
comment on function public.dashboard_days(integer) is
  'The last p_days days (1-366, default 30) up to today in the signed-in user''s time zone, each with the instants '
  'it starts and ends. Nothing for a visitor.';


create function public.dashboard_activity(p_days integer default 30)
returns table (day date, calls bigint, connected_calls bigint, minutes numeric)
language sql
stable
as $$
  with days as (
    select * from public.dashboard_days(p_days)
  ), per_day as (
    select d.day, count(*) as calls, count(*) filter (where c.answered_at is not null) as connected,
           coalesce(sum(c.duration_seconds), 0) as seconds
      from public.calls c
      join days d on c.created_at >= d.day_start and c.created_at < d.day_end
     where c.user_id = (select auth.uid())
       and c.created_at >= (select min(day_start) from days)
     group by d.day
  )
  select d.day, coalesce(p.calls, 0), coalesce(p.connected, 0), round(coalesce(p.seconds, 0) / 60.0, 1)
    from days d
    left join per_day p on p.day = d.day
   order by d.day
$$;
comment on function public.dashboard_activity(integer) is
  'Calls placed per day over the last p_days days (the user''s time zone), how many connected, and the connected '
  'minutes (Twilio''s duration, to one decimal). One row per day, zero on a day without calls.';


create function public.dashboard_provider_costs(p_days integer default 30)
returns table (service text, provider_cost_usd numeric, charged_usd numeric, calls bigint)
language sql
stable
as $$
  select e.service, sum(e.cost_usd), coalesce(sum(e.calculated_cost_cents), 0) / 100, count(distinct e.call_id)
    from public.call_cost_events e
   where e.user_id = (select auth.uid())
     and e.occurred_at >= (select min(d.day_start) from public.dashboard_days(p_days) d)
   group by e.service
   order by 3 desc, 1
$$;
comment on function public.dashboard_provider_costs(integer) is
  'Per provider, the usage of the signed-in user''s calls over the last p_days days: what the provider charged us '
  '(US dollars, exact) and what that part is charged with the markup (call_cost_events.calculated_cost_cents, '
  'before each call''s total is rounded up to a cent), and how many calls used it.';


create function public.dashboard_call_latencies(p_limit integer default 20)
returns table (call_id uuid, created_at timestamptz, persona_name text, answers bigint, median_ms integer,
               p90_ms integer, max_ms integer)
language sql
stable
as $$
  select c.id, c.created_at, p.name, l.answers, l.median_ms, l.p90_ms, l.max_ms
    from public.calls c
    left join public.personas p on p.id = c.persona_id
    cross join lateral (
      select count(*) as answers,
             (percentile_disc(0.5) within group (order by t.voice_to_voice_ms)) as median_ms,
             (percentile_disc(0.9) within group (order by t.voice_to_voice_ms)) as p90_ms,
             max(t.voice_to_voice_ms) as max_ms
        from public.call_turn_latencies t
       where t.call_id = c.id and t.voice_to_voice_ms is not null
    ) l
   where c.user_id = (select auth.uid()) and l.answers > 0
   order by c.created_at desc
   limit least(greatest(coalesce(p_limit, 20), 1), 100)
$$;
comment on function public.dashboard_call_latencies(integer) is
  'The signed-in user''s most recent calls (at most p_limit, 1-100) that have answer times: how many answers went '
  'out and their voice-to-voice latency (the callee''s last sound to the answer''s first audio), median, 90th '
  'percentile and slowest, in milliseconds. Newest first.';


create function public.dashboard(p_days integer default 30, p_latency_calls integer default 20)
returns jsonb
language sql
stable
as $$
  select jsonb_build_object(
    'budget', (select to_jsonb(b) from public.budget_status() b),
    'activity', coalesce((select jsonb_agg(to_jsonb(a) order by a.day) from public.dashboard_activity(p_days) a), '[]'),
    'providers', coalesce((select jsonb_agg(to_jsonb(p) order by p.charged_usd desc, p.service)
                             from public.dashboard_provider_costs(p_days) p), '[]'),
    'latencies', coalesce((select jsonb_agg(to_jsonb(l) order by l.created_at desc)
                             from public.dashboard_call_latencies(p_latency_calls) l), '[]'),
    'has_calls', exists (select 1 from public.calls c where c.user_id = (select auth.uid()))
  )
$$;
comment on function public.dashboard(integer, integer) is
  'Everything the signed-in home shows, in one answer: budget_status() (this month''s spend against the cap), '
  'dashboard_activity, dashboard_provider_costs and dashboard_call_latencies, and whether the user has any call. '
  'One request instead of five: the page waits for the slowest, and each request has its own fixed cost.';


create function public.call_history(p_query text default null, p_persona_id uuid default null,
                                    p_statuses public.call_status[] default null, p_from date default null,
                                    p_to date default null)
returns setof public.calls
language sql
stable
as $$
  -- The matching calls are gathered once, through the text search index. REST passes the arguments as columns of
  -- a row beside the call (json_to_record ... lateral): written as a plain IN (subquery) the search would depend on
  -- that row and run again for every call; as a materialised CTE it runs once and is probed as a hash.
  with hits as materialized (
    select s.call_id
      from search.transcript_lines s
     where coalesce(pg_catalog.btrim(p_query), '') <> ''
       and to_tsvector('english'::regconfig, s.text) @@ pg_catalog.websearch_to_tsquery('english'::regconfig, p_query)
  )
  select c.*
    from public.calls c
   where c.user_id = (select auth.uid())
     and (p_persona_id is null or c.persona_id = p_persona_id)
     and (p_statuses is null or c.status = any (p_statuses))
     and (p_from is null or c.created_at >= pg_catalog.timezone(
            (select u.timezone from public.users u where u.id = (select auth.uid())), p_from::timestamp))
     and (p_to is null or c.created_at < pg_catalog.timezone(
            (select u.timezone from public.users u where u.id = (select auth.uid())), (p_to + 1)::timestamp))
     and (coalesce(pg_catalog.btrim(p_query), '') = '' or c.id in (select h.call_id from hits h))
$$;
comment on function public.call_history(text, uuid, public.call_status[], date, date) is
  'The signed-in user''s calls, filtered: by persona, by statuses, by the days they were placed (p_from to p_to '
  'inclusive, in the user''s time zone) and by words said in the transcript (web search syntax: words, "a phrase", '
  '-not, or; English stemming). Each filter is off when null. Order, page and count through the REST query.';


create function public.call_search_snippets(p_query text, p_call_ids uuid[])
returns table (call_id uuid, seq integer, speaker text, snippet text)
language sql
stable
as $$
  select distinct on (s.call_id) s.call_id, s.seq, s.speaker,
         -- A short line is shown whole; a long one as the fragment around the match.
         pg_catalog.ts_headline('english'::regconfig, s.text, q.q,
                                case when pg_catalog.char_length(s.text) <= 200
                                     then 'StartSel=<mark>, StopSel=</mark>, HighlightAll=true'
                                     else 'StartSel=<mark>, StopSel=</mark>, MaxWords=24, MinWords=8, MaxFragments=1' end)
    from search.transcript_lines s,
         (select pg_catalog.websearch_to_tsquery('english'::regconfig, p_query) as q) q
   where s.call_id = any (p_call_ids[1:100])
     and to_tsvector('english'::regconfig, s.text) @@ q.q
   order by s.call_id, s.seq
$$;
comment on function public.call_search_snippets(text, uuid[]) is
  'For up to 100 of the signed-in user''s calls, the first transcript line matching the search (as call_history '
  'reads it) with the matched words between <mark> and </mark>. Meant for one page of results: ts_headline reads '
  'the whole line, so it runs on the page''s calls only.';


revoke all on function public.dashboard_days(integer), public.dashboard_activity(integer),
  public.dashboard_provider_costs(integer), public.dashboard_call_latencies(integer), public.dashboard(integer, integer),
  public.call_history(text, uuid, public.call_status[], date, date), public.call_search_snippets(text, uuid[])
  from public, anon;
grant execute on function public.dashboard_days(integer), public.dashboard_activity(integer),
  public.dashboard_provider_costs(integer), public.dashboard_call_latencies(integer), public.dashboard(integer, integer),
  public.call_history(text, uuid, public.call_status[], date, date), public.call_search_snippets(text, uuid[])
  to authenticated, service_role;
