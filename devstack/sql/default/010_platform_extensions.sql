-- The default profile is like `supabase start`: pg_net, Vault and pg_cron are there before any migration runs.
-- They are the same extensions a hosted project creates with `create extension`, only created up front.
create extension if not exists pg_net with schema extensions;
create extension if not exists supabase_vault;
create extension if not exists pg_cron with schema pg_catalog;
grant usage on schema cron to postgres;
grant all on all tables in schema cron to postgres;

-- Values a stack held in its Vault before Vault was an extension (every_start/010_replace_shims.sql).
do $$
begin
  if to_regclass('pg_temp.devstack_vault_before_extension') is not null then
    perform vault.create_secret(b.secret, b.name, b.description)
      from pg_temp.devstack_vault_before_extension b
     where not exists (select 1 from vault.secrets s where s.name = b.name);
    drop table pg_temp.devstack_vault_before_extension;
  end if;
end
$$;
