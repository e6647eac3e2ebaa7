-- One-time project setup: the two Vault secrets the pg_cron jobs read to call edge functions (dispatch-scheduled-calls,
-- calls-reconcile). Safe to run again: an existing secret is updated in place, so this is also how the key is rotated.
--
--   project_url  https://<project-ref>.supabase.co      (no trailing slash)
--   cron_key     a secret API key, sb_secret_…          (preferably one made for this, e.g. named "automations")
--
-- With psql (or `npm run project:setup`, which checks both values first and runs this same statement):
--   psql "$DB_URL" -v ON_ERROR_STOP=1 -v project_url=https://<ref>.supabase.co -v cron_key=sb_secret_… \
--        -f supabase/setup/cron_secrets.sql
-- In the dashboard's SQL editor: replace :'project_url' and :'cron_key' below with quoted values and run it.
-- Requires the supabase_vault extension (installed on every hosted project).
select w.name,
       case when s.id is null then vault.create_secret(w.secret, w.name, w.description)::text
            else (vault.update_secret(s.id, w.secret, null, w.description))::text end is not null as stored
  from (values
          ('project_url', :'project_url', 'Base URL of the project, for pg_cron jobs that call edge functions'),
          ('cron_key', :'cron_key', 'Secret API key pg_cron jobs send to edge functions in the apikey header')
       ) as w (name, secret, description)
  left join vault.secrets s on s.name = w.name
 order by w.name;
