-- pg_cron calls the scheduled functions with a secret API key, as on a project created today: legacy JWT keys may be
-- off, and a secret key is not a JWT, so it goes in the apikey header (the functions run with verify_jwt off and
-- check it themselves). The project URL and the key come from Vault (project_url, cron_key), stored once per project
-- by `npm run project:setup` or supabase/setup/cron_secrets.sql; never from this file.

-- The extensions the product needs, as a hosted project enables them; each is a no-op where it already exists.
create extension if not exists pg_net with schema extensions;
create extension if not exists supabase_vault;
create extension if not exists pg_cron with schema pg_catalog;
grant usage on schema cron to postgres;
grant all privileges on all tables in schema cron to postgres;

-- A Vault value a job needs. Missing values fail the job run with a message saying how to set them, recorded in
-- cron.job_run_details, instead of posting to a null URL.
create or replace function private.cron_secret(p_name text)
returns text
language plpgsql stable set search_path = '' as $$
declare
  v_value text;
begin
  select s.decrypted_secret into v_value from vault.decrypted_secrets s where s.name = p_name;
  if v_value is null or v_value = '' then
    raise exception 'Vault secret "%" is not set', p_name
      using errcode = 'P0002',
            hint = 'Run the one-time project setup: npm run project:setup (or supabase/setup/cron_secrets.sql).';
  end if;
  return v_value;
end;
$$;
comment on function private.cron_secret(text) is
  'A Vault secret read by pg_cron jobs (project_url, cron_key); raises with setup instructions when it is missing.';
revoke all on function private.cron_secret(text) from public, anon, authenticated;

-- cron.schedule replaces a job of the same name. The dispatcher is still only woken when something is due.
select cron.schedule(
  'dispatch-scheduled-calls',
  '* * * * *',
  $job$
  select net.http_post(
    url := private.cron_secret('project_url') || '/functions/v1/dispatch-scheduled-calls',
    headers := pg_catalog.jsonb_build_object(
      'Content-Type', 'application/json',
      'apikey', private.cron_secret('cron_key')),
    body := pg_catalog.jsonb_build_object('tick', pg_catalog.now()),
    timeout_milliseconds := 5000)
  where exists (select 1 from public.scheduled_calls
                 where status = 'pending' and scheduled_at <= pg_catalog.now() + interval '60 seconds')
  $job$
);
select cron.schedule(
  'calls-reconcile',
  '* * * * *',
  $job$
  select net.http_post(
    url := private.cron_secret('project_url') || '/functions/v1/calls-reconcile',
    headers := pg_catalog.jsonb_build_object(
      'Content-Type', 'application/json',
      'apikey', private.cron_secret('cron_key')),
    body := pg_catalog.jsonb_build_object('tick', pg_catalog.now()),
    timeout_milliseconds := 5000)
  $job$
);
