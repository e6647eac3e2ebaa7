-- Cross-cutting guarantees over every table in public: RLS everywhere, nothing writable by anon, money
-- tables read-only for users, documentation for the dashboard, safe security-definer functions.
begin;
select plan(17);

-- RLS -------------------------------------------------------------------------------------------------------
select is_empty(
  $$ select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity $$,
  'Every table in public has row-level security enabled'
);

select cmp_ok(
  (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and c.relkind in ('r', 'p')),
  '>=', 17,
  'The data model has all of its tables (guards the RLS check against an empty schema)'
);

-- A table users hold privileges on must say through policies which rows; tables without policies are
-- service-only and must grant users nothing.
select is_empty(
  $$ select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p')
       and not exists (select 1 from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname)
       and (has_table_privilege('authenticated', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')
            or has_any_column_privilege('authenticated', c.oid, 'SELECT, INSERT, UPDATE')) $$,
  'Tables without policies grant authenticated nothing (they are service-only)'
);

select set_has(
  $$ select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind = 'r'
       and not exists (select 1 from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname) $$,
  $$ values ('token_blacklist'), ('phone_verifications'), ('stripe_events') $$,
  'Blacklist, verification codes and Stripe events are service-only (no policies)'
);

select is_empty(
  $$ select tablename || ': ' || policyname from pg_policies
     where schemaname = 'public' and policyname !~ '^[A-Z][a-z-]* [a-z].* [a-z]' $$,
  'Policies are named as sentences'
);

select is_empty(
  $$ select tablename || ': ' || policyname from pg_policies
     where schemaname = 'public' and ('anon' = any (roles) or 'public' = any (roles)) $$,
  'No policy applies to anon or to public'
);

-- Grants ----------------------------------------------------------------------------------------------------
select is_empty(
  $$ select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
       and (has_table_privilege('anon', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, SELECT')
            or has_any_column_privilege('anon', c.oid, 'INSERT, UPDATE, SELECT')) $$,
  'anon can neither read nor write any table in public'
);

select is_empty(
  $$ select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public'
       and c.relname in ('user_credits', 'credit_transactions', 'stripe_events', 'call_cost_events',
                         'call_cost_breakdowns', 'service_rates', 'token_blacklist', 'phone_verifications',
                         'call_transcript_segments', 'user_phone_numbers')
       and (has_table_privilege('authenticated', c.oid, 'INSERT, UPDATE, TRUNCATE')
            or has_any_column_privilege('authenticated', c.oid, 'INSERT, UPDATE')) $$,
  'authenticated cannot insert into or update money, cost and service-written tables'
);

select is_empty(
  $$ select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public'
       and c.relname in ('user_credits', 'credit_transactions', 'stripe_events', 'call_cost_events',
                         'call_cost_breakdowns', 'service_rates', 'token_blacklist', 'phone_verifications',
                         'call_transcript_segments', 'calls', 'users', 'personas', 'scheduled_calls',
                         'user_budget_settings')
       and has_table_privilege('authenticated', c.oid, 'DELETE') $$,
  'authenticated cannot delete from tables it does not own outright'
);

select is_empty(
  $$ select a.attname::text from pg_attribute a
     where a.attrelid = 'public.calls'::regclass and a.attnum > 0 and not a.attisdropped
       and has_column_privilege('authenticated', 'public.calls'::regclass, a.attnum, 'INSERT, UPDATE')
       and a.attname not in ('user_rating', 'user_feedback') $$,
  'On calls, authenticated can update only the rating columns (no status, payment or cost column)'
);

select is_empty(
  $$ select a.attname::text from pg_attribute a
     where a.attrelid = 'public.users'::regclass and a.attnum > 0 and not a.attisdropped
       and has_column_privilege('authenticated', 'public.users'::regclass, a.attnum, 'INSERT, UPDATE')
       and a.attname not in ('name', 'timezone') $$,
  'On users, authenticated can update only name and timezone'
);

-- Functions -------------------------------------------------------------------------------------------------
select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where p.prosecdef and n.nspname not in ('private', 'auth', 'realtime', 'net', 'cron', 'extensions',
                                              'storage', 'vault', 'supabase_functions', 'graphql_public',
                                              'pg_catalog', 'information_schema')
       and n.nspname !~ '^pg_' $$,
  'Security-definer functions live only in the private schema'
);

select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'private'
       and not coalesce('search_path=""' = any (p.proconfig), false) $$,
  'Every private function pins search_path to an empty string'
);

select ok(
  not has_schema_privilege('anon', 'private', 'USAGE') and not has_schema_privilege('authenticated', 'private', 'USAGE'),
  'The private schema is not usable by anon or authenticated'
);

select is_empty(
  $$ select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'private' and p.prosecdef and p.prorettype <> 'trigger'::regtype
       and (has_function_privilege('anon', p.oid, 'EXECUTE') or has_function_privilege('authenticated', p.oid, 'EXECUTE')) $$,
  'No callable security-definer function is executable by anon or authenticated (trigger functions cannot be called)'
);

-- Documentation ---------------------------------------------------------------------------------------------
select is_empty(
  $$ select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p')
       and coalesce(obj_description(c.oid, 'pg_class'), '') = '' $$,
  'Every table in public has a comment for the dashboard'
);

-- Realtime --------------------------------------------------------------------------------------------------
select set_eq(
  $$ select tablename::text from pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public' $$,
  array['calls', 'call_transcript_segments', 'call_cost_breakdowns', 'scheduled_calls', 'user_credits', 'payment_cards'],
  'The live view''s tables are published to realtime'
);

select * from finish();
rollback;
